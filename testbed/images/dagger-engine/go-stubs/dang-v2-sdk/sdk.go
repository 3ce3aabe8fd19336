// Package dangv2 replaces the engine's Dang v2 module runtime in the
// fargate-pipeline test bed's engine build: the Go module proxy this machine
// reaches does not serve the Dang v2 interpreter, so modules written in Dang
// for engine >= v0.21.5 fail with a clear error. Everything else is unchanged.
// Written for the test bed.
package dangv2

import (
	"context"
	"errors"

	"github.com/dagger/dagger/core"
	"github.com/dagger/dagger/dagql"
)

var errUnavailable = errors.New("the Dang v2 SDK is not part of this engine build (fargate-pipeline test bed: its interpreter is not served by the Go module proxy here)")

// Impl is the Dang v2 implementation behind the dang SDK's version dispatch.
type Impl struct{}

// ModuleTypes fails: Dang v2 is not available in this build.
func (Impl) ModuleTypes(
	context.Context,
	*core.SchemaBuilder,
	dagql.ObjectResult[*core.ModuleSource],
	dagql.ObjectResult[*core.Module],
) (dagql.ObjectResult[*core.Module], error) {
	return dagql.ObjectResult[*core.Module]{}, errUnavailable
}

// Runtime fails: Dang v2 is not available in this build.
func (Impl) Runtime(
	context.Context,
	*core.SchemaBuilder,
	dagql.ObjectResult[*core.ModuleSource],
) (core.ModuleRuntime, error) {
	return nil, errUnavailable
}
