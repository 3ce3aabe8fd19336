package midterm

// Scrollback search, which the Dagger CLI's interactive log pager calls, is
// newer than the midterm release the Go module proxy serves here (v0.2.3). The
// fargate-pipeline test bed adds these to that release so the CLI compiles;
// they find nothing (the pager's search is inert). Written for the test bed.

// SearchMatch is one search hit.
type SearchMatch struct {
	Row, Col, Len int
}

// Search searches the scrollback for query and returns the number of matches.
func (t *Terminal) Search(query string) int {
	t.SearchMatches = nil
	return 0
}

// SearchClear forgets the last search.
func (t *Terminal) SearchClear() { t.SearchMatches = nil }

// SearchSetCurrent marks match i as current and returns its row and column.
func (t *Terminal) SearchSetCurrent(i int) (int, int) {
	if i < 0 || i >= len(t.SearchMatches) {
		return -1, -1
	}
	m := t.SearchMatches[i]
	return m.Row, m.Col
}

// SearchMatchRows lists the rows with a match.
func (t *Terminal) SearchMatchRows() []int {
	rows := make([]int, 0, len(t.SearchMatches))
	for _, m := range t.SearchMatches {
		rows = append(rows, m.Row)
	}
	return rows
}
