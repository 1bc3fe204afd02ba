package conformance

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
)

// MaxLineLen is the longest trace line a [Reader] (and the [Checker]) takes:
// 1 MiB. A longer line is a TR-1 error, skipped whole.
const MaxLineLen = 1 << 20

// ErrLineTooLong is the error for a line longer than [MaxLineLen].
var ErrLineTooLong = &ParseError{Msg: "line longer than 1 MiB"}

// LineError is an error about one line of a trace.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error() }

func (e *LineError) Unwrap() error { return e.Err }

// Directive is one key=value word of a "# mgsim-trace" comment line, which
// tells readers how the trace was made. The kit writes, for example,
//
//	# mgsim-trace v1 clock=poll impl=reference scenario=L01 seed=1
//
// A word without '=' has an empty Value. The checker acts on clock=poll
// (see [CheckOptions].PollClock) and ignores the rest.
type Directive struct {
	Key, Value string
	Line       int
}

// Reader reads trace events from a stream, one line at a time, with line
// numbers. Blank lines and '#' comments are skipped; directives are kept.
type Reader struct {
	lines lineReader
	dirs  []Directive
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{lines: newLineReader(r)}
}

// Next reads the next event into e and sets e.Line. It returns io.EOF at
// the end of the input. A line that is not a valid event gives a
// [*LineError] wrapping a [*ParseError]; the reader can go on after it. Any
// other error is the underlying reader's.
func (r *Reader) Next(e *Event) error {
	for {
		line, err := r.lines.next()
		if err == ErrLineTooLong {
			return &LineError{Line: r.lines.n, Err: err}
		}
		if err != nil {
			return err
		}
		switch kind, text := classifyLine(line); kind {
		case lineEvent:
			return r.parse(text, e)
		case lineDirective:
			r.dirs = appendDirectives(r.dirs, text, r.lines.n)
		}
	}
}

func (r *Reader) parse(text []byte, e *Event) error {
	if err := ParseEvent(text, e); err != nil {
		return &LineError{Line: r.lines.n, Err: err}
	}
	e.Line = r.lines.n
	return nil
}

// Line is the number of the last line read (from 1).
func (r *Reader) Line() int { return r.lines.n }

// Directives returns the directives read so far, in order.
func (r *Reader) Directives() []Directive { return r.dirs }

// PollClock reports whether a directive read so far says clock=poll.
func (r *Reader) PollClock() bool { return pollClockIn(r.dirs) }

func pollClockIn(dirs []Directive) bool {
	for _, d := range dirs {
		if d.Key == "clock" && d.Value == "poll" {
			return true
		}
	}
	return false
}

type lineKind uint8

const (
	lineBlank lineKind = iota
	lineComment
	lineDirective
	lineEvent
)

var directivePrefix = []byte("mgsim-trace")

// classifyLine trims a line and says what it is; for a directive the text
// returned is the part after "mgsim-trace".
func classifyLine(line []byte) (lineKind, []byte) {
	line = bytes.TrimSpace(line)
	switch {
	case len(line) == 0:
		return lineBlank, nil
	case line[0] != '#':
		return lineEvent, line
	}
	rest := bytes.TrimLeft(line[1:], " \t")
	if !bytes.HasPrefix(rest, directivePrefix) {
		return lineComment, nil
	}
	rest = rest[len(directivePrefix):]
	if len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' {
		return lineComment, nil
	}
	return lineDirective, rest
}

func appendDirectives(dirs []Directive, text []byte, line int) []Directive {
	for _, w := range bytes.Fields(text) {
		k, v, _ := bytes.Cut(w, []byte("="))
		dirs = append(dirs, Directive{Key: string(k), Value: string(v), Line: line})
	}
	return dirs
}

// lineReader splits a stream into lines (without the newline), counting
// them. A line over MaxLineLen is skipped to its end and reported as
// ErrLineTooLong.
type lineReader struct {
	br   *bufio.Reader
	long []byte
	n    int
}

func newLineReader(r io.Reader) lineReader {
	return lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

func (lr *lineReader) next() ([]byte, error) {
	chunk, err := lr.br.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(chunk) > 0) {
		lr.n++
		return chunk, nil
	}
	if err != bufio.ErrBufferFull {
		return nil, err
	}
	return lr.nextLong(chunk)
}

// nextLong gathers a line longer than the bufio buffer.
func (lr *lineReader) nextLong(chunk []byte) ([]byte, error) {
	lr.long = append(lr.long[:0], chunk...)
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if len(lr.long)+len(chunk) > MaxLineLen+1 {
			return nil, lr.skipRest(err)
		}
		lr.long = append(lr.long, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		lr.n++
		return lr.long, nil
	}
}

// skipRest discards the rest of an over-long line.
func (lr *lineReader) skipRest(err error) error {
	lr.long = lr.long[:0]
	for err == bufio.ErrBufferFull {
		_, err = lr.br.ReadSlice('\n')
	}
	if err != nil && err != io.EOF {
		return err
	}
	lr.n++
	return ErrLineTooLong
}
