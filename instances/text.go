package instances

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
)

// bom is the UTF-8 byte-order mark some editors write at the start of a file.
const bom = "\ufeff"

// skipBOM returns r without a leading byte-order mark. Every reader starts with
// it: the mark is invisible in an editor, yet would make the first keyword or
// number unreadable.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(len(bom)); bytes.Equal(head, []byte(bom)) {
		br.Discard(len(bom))
	}
	return br
}

// quoteShown is how many bytes of an offending token an error message shows.
const quoteShown = 32

// quote shows a token of the input in an error message: escaped, so binary
// garbage prints as text, and cut short, so a huge token does not flood it.
func quote(s string) string {
	if len(s) > quoteShown {
		return strconv.Quote(s[:quoteShown]) + "…"
	}
	return strconv.Quote(s)
}

// quoteBytes is quote for a token the scanner holds as bytes.
func quoteBytes(b []byte) string {
	return quote(string(b[:min(len(b), quoteShown+1)]))
}
