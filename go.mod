module github.com/mgsim/mgsim

go 1.25

require pgregory.net/rapid v1.3.0

require github.com/leanovate/gopter v0.2.11
