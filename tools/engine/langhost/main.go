// Command pulumi-language-python is the Pulumi language host that runs this project's Python
// programs and policy packs.
//
// Pulumi's own host (module github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) is
// not served by the Go module proxy this project builds from, so this small host takes its place.
// It speaks the same gRPC contract (pulumirpc.LanguageRuntime from the pinned sdk/v3 module),
// resolves the interpreter with the SDK's own python/toolchain package (the `virtualenv` and
// `toolchain` runtime options of Pulumi.yaml), and starts programs through Pulumi's own
// `pulumi-language-python-exec` script, which setup copies from the same pinned sdk/v3 module.
//
// What it does not do (Pulumi's host does): install dependencies (`pulumi install`), type-check
// before running, attach debuggers.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// version is set at build time to the pinned Pulumi release (see tools/engine/build.sh).
var version = "0.0.0-dev"

// userActionableExit is the exit code pulumi-language-python-exec uses after it has already shown
// the user an error: the engine should stop without printing a second one.
const userActionableExit = 32

func main() {
	args := os.Args[1:]
	// The engine passes flags (e.g. -root=..., -tracing=...) before the engine address.
	var positional []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			positional = append(positional, a)
		}
	}
	if len(positional) < 1 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-language-python [flags] ENGINE_ADDRESS")
		os.Exit(2)
	}
	engineAddress := positional[0]

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Exit when the engine goes away, as Pulumi's hosts do.
	go func() { _ = rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel) }()

	host := &languageHost{engineAddress: engineAddress}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel(ctx),
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: language host RPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

func cancelChannel(ctx context.Context) chan bool {
	c := make(chan bool)
	go func() {
		<-ctx.Done()
		close(c)
	}()
	return c
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	// engineAddress is where the engine listens; programs connect back to it.
	engineAddress string
}

func (h *languageHost) Handshake(
	context.Context, *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins reports the resource plugins of the Pulumi packages installed in the
// program's environment (those shipping a pulumi-plugin.json, as Pulumi's own host does), so
// `pulumi about` and `pulumi plugin ls --project` list them. Nothing is downloaded: setup runs
// the engine with PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION.
func (h *languageHost) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var found []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Server  string `json:"server"`
	}
	if err := pythonJSON(ctx, req.GetInfo(), pluginsScript, &found); err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, p := range found {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// GetRequiredPackages reports nothing: this project's programs use no parameterized packages.
func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// GetProgramDependencies lists the distributions installed in the program's environment
// (`pulumi about` shows them).
func (h *languageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	var found []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := pythonJSON(ctx, req.GetInfo(), dependenciesScript, &found); err != nil {
		return nil, err
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(found))
	for _, d := range found {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// About reports the interpreter and its version with one small script. The SDK's toolchain
// About also runs `python -m pip --version` (pip's import alone costs about half a second), and
// the CLI asks for it on every `up`, `preview`, `refresh` and `destroy` to record the update's
// environment; the pip version is not part of the answer anyway.
func (h *languageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	var info struct {
		Executable string `json:"executable"`
		Version    string `json:"version"`
	}
	if err := pythonJSON(ctx, req.GetInfo(), aboutScript, &info); err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: info.Executable, Version: info.Version}, nil
}

// aboutScript prints the interpreter's path and version as JSON.
const aboutScript = `
import json, platform, sys
print(json.dumps({"executable": sys.executable, "version": platform.python_version()}))
`

// pluginsScript prints the resource plugins of installed Pulumi packages as JSON.
const pluginsScript = `
import json, importlib.metadata as md
out = []
for dist in md.distributions():
    for f in dist.files or ():
        if f.name == "pulumi-plugin.json":
            try:
                meta = json.loads(f.read_text())
            except (OSError, ValueError):
                continue
            if meta.get("resource"):
                out.append({"name": meta.get("name") or dist.metadata["Name"].removeprefix("pulumi_"),
                            "version": meta.get("version") or dist.version,
                            "server": meta.get("server") or ""})
print(json.dumps(out))
`

// dependenciesScript prints the installed distributions as JSON.
const dependenciesScript = `
import json, importlib.metadata as md
print(json.dumps(sorted(({"name": d.metadata["Name"], "version": d.version}
                         for d in md.distributions()), key=lambda d: d["name"].lower())))
`

// pythonJSON runs a small script with the program's interpreter and decodes its JSON output.
func pythonJSON(ctx context.Context, info *pulumirpc.ProgramInfo, script string, into any) error {
	tc, err := resolveToolchain(info)
	if err != nil {
		return err
	}
	cmd, err := tc.Command(ctx, "-c", script)
	if err != nil {
		return err
	}
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("asking the Python environment for its packages: %w", err)
	}
	return json.Unmarshal(out, into)
}

// Run executes a Pulumi program with pulumi-language-python-exec, exactly as Pulumi's host does:
// engine settings as flags, stack configuration as PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	execScript, err := findBeside("pulumi-language-python-exec")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{"-u", execScript,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		args = append(args, "--root_directory", root)
	}
	args = append(args, programPath(req))
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cmd.Dir = req.GetPwd()
	// A stack with no config at all still gets a JSON object, as under Pulumi's own host: the
	// SDK's runner iterates over PULUMI_CONFIG.
	stackConfig := req.GetConfig()
	if stackConfig == nil {
		stackConfig = map[string]string{}
	}
	config, err := json.Marshal(stackConfig)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(nonNil(req.GetConfigSecretKeys()))
	if err != nil {
		return nil, err
	}
	cmd.Env = append(cmd.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == userActionableExit {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d",
				exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("problem executing program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a policy pack (the engine asks the language host to boot Python policy packs)
// with `python -m pulumi.policy ENGINE PACK_DIR`, streaming its output back to the engine.
func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	if req.GetKind() != "analyzer" {
		return fmt.Errorf("this Python language host runs policy packs only, not %q plugins", req.GetKind())
	}
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	program := req.GetInfo().GetProgramDirectory()
	if program == "" {
		program = req.GetProgram()
	}
	cmd, err := tc.ModuleCommand(server.Context(), "pulumi.policy", append(req.GetArgs(), program)...)
	if err != nil {
		return err
	}
	cmd.Dir = req.GetPwd()
	cmd.Env = append(cmd.Environ(), req.GetEnv()...)
	// The engine reads the analyzer's port from its stdout, so both streams go back unbuffered.
	cmd.Stdout = streamWriter{server, false}
	cmd.Stderr = streamWriter{server, true}

	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode()) //nolint:gosec // exit codes fit in int32
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

type streamWriter struct {
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	data := append([]byte(nil), p...)
	var out pulumirpc.RunPluginResponse
	if w.stderr {
		out.Output = &pulumirpc.RunPluginResponse_Stderr{Stderr: data}
	} else {
		out.Output = &pulumirpc.RunPluginResponse_Stdout{Stdout: data}
	}
	if err := w.server.Send(&out); err != nil {
		return 0, err
	}
	return len(p), nil
}

var _ io.Writer = streamWriter{}

// resolveToolchain picks the interpreter from the project's runtime options (Pulumi.yaml
// `runtime.options.virtualenv` / `toolchain`), with the SDK's own resolution rules.
func resolveToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	opts := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Toolchain:  toolchain.Pip,
	}
	options := info.GetOptions().AsMap()
	if venv, ok := options["virtualenv"].(string); ok {
		opts.Virtualenv = venv
	}
	switch options["toolchain"] {
	case "uv":
		opts.Toolchain = toolchain.Uv
	case "poetry":
		opts.Toolchain = toolchain.Poetry
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, fmt.Errorf("resolving the Python toolchain: %w", err)
	}
	if err := tc.ValidateVenv(context.Background()); err != nil {
		return nil, err
	}
	return tc, nil
}

// findBeside finds a helper installed next to this executable, then on PATH.
func findBeside(name string) (string, error) {
	if self, err := os.Executable(); err == nil {
		candidate := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
	}
	if path, err := exec.LookPath(name); err == nil {
		return path, nil
	}
	return "", fmt.Errorf("%s not found next to the language host or on PATH: rerun the project's setup", name)
}

func programPath(req *pulumirpc.RunRequest) string {
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		entry := info.GetEntryPoint()
		if entry == "" || entry == "." {
			return info.GetProgramDirectory()
		}
		return filepath.Join(info.GetProgramDirectory(), entry)
	}
	return req.GetProgram()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
