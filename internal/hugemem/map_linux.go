package hugemem

import "syscall"

// madvHugePage is MADV_HUGEPAGE, which package syscall does not name.
const madvHugePage = 14

func mapAnonymous(size int) ([]byte, func(), bool) {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, nil, false
	}
	// A kernel without transparent huge pages refuses the advice; the
	// mapping still serves, in small pages.
	_ = syscall.Madvise(b, madvHugePage)
	return b, func() { _ = syscall.Munmap(b) }, true
}
