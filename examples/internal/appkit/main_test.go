package appkit

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"testing"
)

// TestMainProcessExitCodes runs Main in a child process (this test binary
// re-executed) and checks the real process exit status.
func TestMainProcessExitCodes(t *testing.T) {
	if mode := os.Getenv("APPKIT_TEST_MAIN"); mode != "" {
		// Pass Main only the arguments after "--".
		os.Args = append(os.Args[:1], os.Args[slices.Index(os.Args, "--")+1:]...)
		Main("child", func(context.Context, *Env, *slog.Logger) (*Report, error) {
			switch mode {
			case "panic":
				panic("child panic")
			case "unmatched":
				return &Report{ExitCode: ExitUnmatched}, nil
			case "error":
				return nil, errors.New("failed")
			}
			return &Report{}, nil
		})
		return
	}
	tests := []struct {
		mode string
		args []string
		want int
	}{
		{"ok", nil, 0},
		{"panic", nil, 1},
		{"unmatched", nil, 2},
		{"error", nil, 1},
		{"ok", []string{"-no-such-flag"}, 1},
		{"ok", []string{"-version"}, 0},
	}
	for _, tt := range tests {
		args := append([]string{"-test.run=^TestMainProcessExitCodes$", "--"}, tt.args...)
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "APPKIT_TEST_MAIN="+tt.mode, "RESULT_FILE=php://stdout", "EASE_LOGGER=console")
		cmd.Dir = t.TempDir() // no .env there
		out, err := cmd.CombinedOutput()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.want {
			t.Errorf("mode %s args %v: exit %d, want %d\n%s", tt.mode, tt.args, code, tt.want, out)
		}
	}
}
