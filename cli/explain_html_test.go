package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserPath finds a Chromium to drive: $DCSIM_CHROMIUM, else Debian's
// chromium (or another Chromium or Chrome) on PATH; "" when none.
func browserPath() string {
	if p := os.Getenv("DCSIM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestExplainHTMLInChromium opens the HTML report of a lost wake-up in
// headless Chromium: the replay command, the violation and a timeline
// row per line with a column per task are on the page, the state panel
// opens at the violation, and clicking another step changes it to that
// step's locks and dentries. The screenshot is kept as the test's
// artifact (go test -run TestExplainHTMLInChromium -artifacts -outputdir
// DIR keeps it; the path is logged).
func TestExplainHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the browser test runs in the full suite only")
	}
	browser := browserPath()
	if browser == "" {
		t.Skip("no Chromium found (apt-get install chromium, or set DCSIM_CHROMIUM); .ci/run installs it in CI")
	}
	sched := violationOf(t, cellNamed(t, "dcache/owner-and-waiter", "v3+mut=no-lock-waiter/today"))
	dir := t.ArtifactDir()
	page := filepath.Join(dir, "report.html")
	if code, _, errOut := dcsim(t, "explain", "--format", "html", "-o", page, sched); code != 1 || errOut != "" {
		t.Fatalf("explain --format html: exit %d, %q", code, errOut)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 900), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTime := context.WithTimeout(ctx, 30*time.Second)
	defer cancelTime()

	// The first step of the waiter's (column 2) run in the timeline.
	const target = chromedp.CSS(`#timeline tbody tr.step:nth-child(20)`)
	t0 := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page),
		chromedp.WaitVisible(chromedp.CSS(`#timeline tbody tr.step`))); err != nil {
		t.Fatalf("chromium (%s): %v", browser, err)
	}
	text := func(sel string) string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	count := func(sel string) int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("`+sel+`").length`))
		if err != nil {
			t.Fatalf("count of %s: %v", sel, err)
		}
		return n
	}
	t.Logf("browser up and page loaded in %v", time.Since(t0))
	replay, violation := text(`#replay`), text(`#violation`)
	rows, heads, violRows := count(`#timeline tbody tr.step`), count(`#timeline-head th`), count(`#timeline tbody tr.violation`)
	before := text(`#state`)
	if err := chromedp.Do(ctx, chromedp.Click(target), chromedp.WaitVisible(target+`.selected`)); err != nil {
		t.Fatalf("click: %v", err)
	}
	after, selected := text(`#state`), text(`#selected-line`)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("queries, click and screenshot done at %v", time.Since(t0))
	shot := filepath.Join(dir, "report.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	if replay != "dcsim replay '"+sched+"'" {
		t.Errorf("replay line %q", replay)
	}
	if !strings.Contains(violation, "deadlock [deadlock]") {
		t.Errorf("violation line %q", violation)
	}
	if rows < 40 || heads != 3 || violRows != 1 {
		t.Errorf("timeline: %d rows, %d header cells (step + 2 tasks), %d violation rows", rows, heads, violRows)
	}
	if !strings.Contains(before, "wake-up: lost: T0 owner") || !strings.Contains(before, "T1 waiter: blocked on") {
		t.Errorf("the state panel does not open at the lost wake-up:\n%s", before)
	}
	if after == before || !strings.Contains(after, "after step 20") || !strings.Contains(selected, "T1 waiter") ||
		!strings.Contains(after, "in-lookup dentry#") {
		t.Errorf("clicking step 20 did not show its state (selected %q):\n%s", selected, after)
	}
}
