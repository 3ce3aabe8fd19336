// Package teav1 is the test bed's stand-in for the adapter that hosts a
// bubbletea v1 model as a tuist component (see ../tuist.go for why).
package teav1

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/vito/tuist"
)

// Wrap hosts a bubbletea model; headless, it only renders the model's view.
type Wrap struct {
	tuist.Compo
	model  tea.Model
	onQuit func()
}

// New wraps model.
func New(model tea.Model) *Wrap { return &Wrap{model: model} }

// OnQuit registers what to run when the model quits.
func (w *Wrap) OnQuit(fn func()) { w.onQuit = fn }

// Render draws the model's view.
func (w *Wrap) Render(ctx tuist.Context) { ctx.Line(w.model.View()) }
