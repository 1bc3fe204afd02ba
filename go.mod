module github.com/mgsim/mgsim

go 1.25
