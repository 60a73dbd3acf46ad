module example.com/foldfs

go 1.26

require github.com/dcsim/dcsim v0.0.0

replace github.com/dcsim/dcsim => ../
