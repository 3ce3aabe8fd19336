module example.com/go-demo

go 1.26.0

toolchain go1.26.8

require golang.org/x/sync v0.25.0
