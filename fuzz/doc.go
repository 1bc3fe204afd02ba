// Package fuzz holds mgsim's fuzz targets and property tests. It has no
// API: everything is in its test files.
package fuzz
