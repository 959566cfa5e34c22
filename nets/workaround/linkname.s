// Empty: lets fastops.go declare simplegoGetBuffer without a body (go:linkname).
