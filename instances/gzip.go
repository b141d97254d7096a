package instances

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
)

// gunzipped returns r decompressed when it starts with the gzip magic bytes,
// so .tsp.gz files, the form TSPLIB is distributed in, read like plain ones.
func gunzipped(r io.Reader, name string) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: gzip: %v", ErrInvalidInstance, name, err)
	}
	return zr, nil
}
