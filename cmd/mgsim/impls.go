package main

import (
	"sort"
	"strings"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
)

// impl is an implementation the command can run the suite on, with the
// rules profile it claims to meet.
type impl struct {
	impl  conformance.Impl
	rules conformance.Profile
	title string
}

// impls returns the built-in implementations by name: the reference and
// the mutation catalogue.
func impls() map[string]impl {
	out := map[string]impl{
		"reference": {impl: adapter.New(), rules: conformance.ProfileM618, title: "the reference poll core (Mongoose 6.18 semantics)"},
	}
	return out
}

func implNames() string {
	var names []string
	for n := range impls() {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
