//go:build race

package native

// RaceDetector says whether this binary was built with -race, so that the
// bench can run the native cases under the race detector.
const RaceDetector = true
