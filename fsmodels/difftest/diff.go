package difftest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/vfs/vfstest"
)

// Diff compares the kernel's run with the model's: "" when they agree,
// else every call with both results (a mismatch marked "!=") and the
// trees where they differ.
func Diff(calls []*vfstest.Call, kernel, model Result) string {
	if slices.Equal(kernel.Calls, model.Calls) && slices.Equal(kernel.Tree, model.Tree) &&
		slices.Equal(kernel.Upper, model.Upper) {
		return ""
	}
	var b strings.Builder
	b.WriteString("call                          kernel            model\n")
	for i, c := range calls {
		k, m := at(kernel.Calls, i), at(model.Calls, i)
		mark := "  "
		if k != m {
			mark = "!="
		}
		fmt.Fprintf(&b, "%-30s%-18s%s %s\n", c.String(), k, mark, m)
	}
	treeDiff(&b, "namespace", kernel.Tree, model.Tree)
	treeDiff(&b, "upper layer", kernel.Upper, model.Upper)
	return b.String()
}

func at(l []string, i int) string {
	if i < len(l) {
		return l[i]
	}
	return "(none)"
}

func treeDiff(b *strings.Builder, what string, k, m []string) {
	if slices.Equal(k, m) {
		return
	}
	fmt.Fprintf(b, "%s, kernel:\n", what)
	for _, l := range k {
		b.WriteString("  " + l + "\n")
	}
	fmt.Fprintf(b, "%s, model:\n", what)
	for _, l := range m {
		b.WriteString("  " + l + "\n")
	}
}
