module example.com/go-demo

go 1.26
