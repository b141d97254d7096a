//go:build !linux

package hugemem

func mapAnonymous(int) ([]byte, func(), bool) { return nil, nil, false }
