// Package hugemem provides large scratch slices that live outside the Go heap
// and are returned to the system the moment they are released.
//
// At n = 10^6 the TSP construction sorts two 100 MB edge arrays. From the Go
// heap, in 4 KiB pages, they stayed resident after use, and the kernel's
// teardown of those pages was 10–20 ms of every exit that followed, a
// SIGINT's included. Mapped with transparent huge pages where the kernel
// grants them (Linux, "madvise" mode included), the same memory is torn down
// in about a millisecond, and it is unmapped as soon as the sort is done.
package hugemem

import (
	"math"
	"unsafe"
)

// minBytes is the smallest slice worth its own mapping: below it a mapping's
// system calls cost more than the pages they save.
const minBytes = 16 << 20

// Make returns a zeroed slice of n elements and the function that gives it
// back. T must contain no pointers: the garbage collector does not look into
// this memory. Nothing may use the slice after release, which may be called
// once. Slices under 16 MiB, and any on systems without anonymous mappings,
// come from the Go heap and release does nothing.
func Make[T any](n int) (s []T, release func()) {
	var zero T
	elem := unsafe.Sizeof(zero)
	if n > 0 && elem > 0 && uintptr(n) <= uintptr(math.MaxInt)/elem && uintptr(n)*elem >= minBytes {
		if b, unmap, ok := mapAnonymous(int(uintptr(n) * elem)); ok {
			return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n), unmap
		}
	}
	return make([]T, n), func() {}
}
