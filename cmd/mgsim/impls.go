package main

import (
	"sort"
	"strings"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
	"github.com/mgsim/mgsim/reference/mutants"
)

// impl is an implementation the command can run the suite on, with the
// rules profile it claims to meet.
type impl struct {
	impl  conformance.Impl
	rules conformance.Profile
	title string
}

// impls returns the built-in implementations by name: the reference and
// the mutation catalogue (with its known survivors), each mutant checked
// under the lowest profile expected to catch it.
func impls() map[string]impl {
	out := map[string]impl{
		"reference": {impl: adapter.New(), rules: conformance.ProfileM618, title: "the reference poll core (Mongoose 6.18 semantics)"},
	}
	for _, m := range append(mutants.Catalogue(), mutants.Survivors()...) {
		out[m.Name] = impl{impl: m.Impl, rules: m.Level, title: m.Bug}
	}
	return out
}

// implNames lists the implementations for messages: every name but the
// mutants', which "mgsim mutants --list" prints.
func implNames() string {
	var names []string
	for n := range impls() {
		if !strings.HasPrefix(n, mutants.Prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ") + ", or a mutant (mgsim mutants --list)"
}
