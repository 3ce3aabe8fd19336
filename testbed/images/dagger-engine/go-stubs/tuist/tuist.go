// Package tuist is the fargate-pipeline test bed's stand-in for the terminal UI
// library that the Dagger CLI's interactive ("pretty") frontend is built on. The
// Go module proxy this machine reaches does not serve that library, so the test
// bed builds the CLI against this stand-in. It has every name the CLI uses and
// hosts components headlessly: nothing is drawn while a command runs; the final
// render (what the CLI prints when it exits) works. The plain progress output
// (--progress=plain, DAGGER_PROGRESS=plain) does not use this package.
// Written for the test bed; not derived from the library's code.
package tuist

import (
	"context"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
)

// Context is what a component renders into.
type Context struct {
	context.Context
	Width  int
	Height int
	out    *[]string
}

// Lines appends rendered lines.
func (c Context) Lines(lines ...string) {
	if c.out != nil {
		*c.out = append(*c.out, lines...)
	}
}

// Line appends one rendered line.
func (c Context) Line(line string) { c.Lines(line) }

// SetFocus moves the focus (a no-op headless).
func (Context) SetFocus(Component) {}

// ScreenHeight is the terminal height (0: unknown).
func (c Context) ScreenHeight() int { return c.Height }

// Resize returns a context of another size with an empty output.
func (c Context) Resize(width, height int) Context {
	c.Width, c.Height, c.out = width, height, new([]string)
	return c
}

func newContext(width, height int) Context {
	return Context{Context: context.Background(), Width: width, Height: height, out: new([]string)}
}

// RenderResult is a component's rendered output.
type RenderResult struct {
	Lines []string
}

// Component renders itself into a Context.
type Component interface {
	Render(ctx Context)
}

// Focusable components are told when they gain or lose focus.
type Focusable interface {
	SetFocused(ctx Context, focused bool)
}

// Mounter components are told when they join the tree.
type Mounter interface {
	OnMount(ctx Context)
}

// Dismounter components are told when they leave the tree.
type Dismounter interface {
	OnDismount()
}

// Interactive components receive key presses.
type Interactive interface {
	HandleKeyPress(ctx Context, ev uv.KeyPressEvent) bool
}

// MouseEvent is a mouse event at a row of a component.
type MouseEvent struct {
	uv.MouseEvent
	Row int
	Col int
}

// MouseEnabled components receive mouse events.
type MouseEnabled interface {
	HandleMouse(ctx Context, ev MouseEvent) bool
}

// Hoverable components are told when the pointer enters or leaves them.
type Hoverable interface {
	SetHovered(ctx Context, hovered bool)
}

// Compo is embedded by components.
type Compo struct{}

// Update marks the component for re-rendering (nothing to do headless).
func (*Compo) Update() {}

// RenderChild renders a child component and returns its lines.
func (*Compo) RenderChild(ctx Context, child Component) []string {
	return renderChild(ctx, child).Lines
}

// RenderChildResult renders a child component.
func (*Compo) RenderChildResult(ctx Context, child Component) RenderResult {
	return renderChild(ctx, child)
}

// RenderChildInline renders a child component onto one line.
func (*Compo) RenderChildInline(ctx Context, child Component) string {
	if lines := renderChild(ctx, child).Lines; len(lines) > 0 {
		return lines[0]
	}
	return ""
}

func renderChild(ctx Context, child Component) RenderResult {
	c := ctx.Resize(ctx.Width, ctx.Height)
	if child != nil {
		child.Render(c)
	}
	return RenderResult{Lines: *c.out}
}

// Container renders its children one below the other.
type Container struct {
	Compo
	Children []Component
}

// AddChild appends a child.
func (c *Container) AddChild(child Component) { c.Children = append(c.Children, child) }

// Render renders every child.
func (c *Container) Render(ctx Context) {
	for _, child := range c.Children {
		ctx.Lines(c.RenderChild(ctx, child)...)
	}
}

// Spinner is an activity indicator.
type Spinner struct {
	Compo
	Epoch time.Time
}

// NewSpinner returns a spinner.
func NewSpinner() *Spinner { return &Spinner{Epoch: time.Now()} }

// Render draws the spinner's current frame.
func (*Spinner) Render(ctx Context) { ctx.Line("*") }

// TextInput is a one-line editor.
type TextInput struct {
	Compo
	Prompt         string
	OnSubmit       func(ctx Context, value string) bool
	KeyInterceptor func(ctx Context, ev uv.KeyPressEvent) bool
	value          []rune
}

// NewTextInput returns an input holding value.
func NewTextInput(value string) *TextInput { return &TextInput{value: []rune(value)} }

// Value is the current text.
func (t *TextInput) Value() string { return string(t.value) }

// SetValue replaces the text.
func (t *TextInput) SetValue(value string) { t.value = []rune(value) }

// InsertRune appends a rune.
func (t *TextInput) InsertRune(r rune) { t.value = append(t.value, r) }

// Render draws the prompt and the text.
func (t *TextInput) Render(ctx Context) { ctx.Line(t.Prompt + string(t.value)) }

// Completion is one completion candidate.
type Completion struct {
	Label  string
	Detail string
}

// CompletionResult is what a completion function returns.
type CompletionResult struct {
	Items       []Completion
	ReplaceFrom int
}

// CompletionMenu offers completions for a TextInput.
type CompletionMenu struct {
	input    *TextInput
	complete func(input string, cursorPos int) CompletionResult
}

// NewCompletionMenu returns a menu for input.
func NewCompletionMenu(input *TextInput, complete func(input string, cursorPos int) CompletionResult) *CompletionMenu {
	return &CompletionMenu{input: input, complete: complete}
}

// HandleKeyPress consumes no keys headless.
func (*CompletionMenu) HandleKeyPress(Context, uv.KeyPressEvent) bool { return false }

// SizeValue is an overlay dimension.
type SizeValue struct{ abs int }

// SizeAbs is an absolute size in cells.
func SizeAbs(n int) SizeValue { return SizeValue{abs: n} }

// Anchor is where an overlay sits.
type Anchor int

// AnchorTopRight anchors an overlay to the top right corner.
const AnchorTopRight Anchor = 1

// OverlayMargin is the space around an overlay.
type OverlayMargin struct{ Top, Right, Bottom, Left int }

// OverlayOptions place an overlay.
type OverlayOptions struct {
	Width  SizeValue
	Anchor Anchor
	Margin OverlayMargin
}

// OverlayHandle removes an overlay.
type OverlayHandle struct{}

// Remove removes the overlay.
func (*OverlayHandle) Remove() {}

// Terminal is where a TUI would draw.
type Terminal struct{ width, height int }

// NewStdTerminal describes the process's terminal (size from COLUMNS/LINES).
func NewStdTerminal() Terminal {
	return Terminal{width: envInt("COLUMNS", 80), height: envInt("LINES", 24)}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TUI hosts components headlessly: it mounts them, runs dispatched functions
// one at a time, and renders on request; it draws nothing by itself.
type TUI struct {
	term     Terminal
	mu       sync.Mutex
	children []Component
	queue    chan func()
}

// New returns a TUI for term.
func New(term Terminal) *TUI {
	t := &TUI{term: term, queue: make(chan func(), 1024)}
	go func() {
		for fn := range t.queue {
			fn()
		}
	}()
	return t
}

// AddChild appends a component (and mounts it once started).
func (t *TUI) AddChild(c Component) {
	t.mu.Lock()
	t.children = append(t.children, c)
	t.mu.Unlock()
}

// RemoveChild removes a component.
func (t *TUI) RemoveChild(c Component) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, child := range t.children {
		if child == c {
			t.children = append(t.children[:i], t.children[i+1:]...)
			if d, ok := c.(Dismounter); ok {
				d.OnDismount()
			}
			return
		}
	}
}

// Start mounts the components added so far.
func (t *TUI) Start() {
	t.mu.Lock()
	children := append([]Component(nil), t.children...)
	t.mu.Unlock()
	ctx := newContext(t.term.width, t.term.height)
	for _, c := range children {
		if m, ok := c.(Mounter); ok {
			m.OnMount(ctx)
		}
	}
}

// Stop stops the TUI.
func (*TUI) Stop() {}

// Dispatch runs fn on the TUI's goroutine.
func (t *TUI) Dispatch(fn func()) { t.queue <- fn }

// Exec runs fn with the process's standard streams.
func (*TUI) Exec(fn func(in io.Reader, out io.Writer, errOut io.Writer) error) error {
	return fn(os.Stdin, os.Stdout, os.Stderr)
}

// RenderLines renders every component.
func (t *TUI) RenderLines() []string {
	t.mu.Lock()
	children := append([]Component(nil), t.children...)
	t.mu.Unlock()
	ctx := newContext(t.term.width, t.term.height)
	for _, c := range children {
		c.Render(ctx)
	}
	return *ctx.out
}

// SetFocus is a no-op headless.
func (*TUI) SetFocus(Component) {}

// SetShowHardwareCursor is a no-op headless.
func (*TUI) SetShowHardwareCursor(bool) {}

// SetDebugWriter is a no-op headless.
func (*TUI) SetDebugWriter(io.Writer) {}

// RequestRender is a no-op headless.
func (*TUI) RequestRender(bool) {}

// ShowOverlay shows nothing headless.
func (*TUI) ShowOverlay(Component, *OverlayOptions) *OverlayHandle { return &OverlayHandle{} }
