package main

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeFile is the part of deployments/compose.yaml the checks read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Restart     string            `yaml:"restart"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestDeploymentSafeByDefault reads the deployment files as an operator
// would run them: compose connects saasd with its own login (never root),
// keeps data in named volumes, checks the health of both services,
// restarts them, and starts saasd once MariaDB is healthy; the image runs
// as a non-root user and its build context leaves secrets and data out;
// the systemd unit runs as a dedicated user in a read-only system.
func TestDeploymentSafeByDefault(t *testing.T) {
	t.Parallel()
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile("../../" + path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	var c composeFile
	if err := yaml.Unmarshal([]byte(read("deployments/compose.yaml")), &c); err != nil {
		t.Fatal(err)
	}
	saasd, db := c.Services["saasd"], c.Services["mariadb"]
	if saasd.Build == nil || db.Image == "" {
		t.Fatalf("services: %+v", c.Services)
	}
	dsn := saasd.Environment["SAAS_DATABASE_DSN"]
	if user, _, _ := strings.Cut(dsn, ":"); user == "" || user == "root" || user != db.Environment["SAASD_DB_USER"] {
		t.Errorf("saasd connects as %q (%s), not the login MariaDB's init script makes (%q)", user, dsn, db.Environment["SAASD_DB_USER"])
	}
	if !strings.Contains(dsn, "${SAASD_DB_PASSWORD}") || strings.Contains(dsn, "ROOT") {
		t.Errorf("saasd's DSN does not use its own password: %s", dsn)
	}
	for k := range saasd.Environment {
		if strings.Contains(k, "ROOT") {
			t.Errorf("saasd is given %s", k)
		}
	}
	if !slices.ContainsFunc(db.Volumes, func(v string) bool { return strings.Contains(v, "saasd-grants.sql.in:") }) {
		t.Error("MariaDB's init does not mount the grants file")
	}
	for name, s := range c.Services {
		if !slices.Contains([]string{"always", "unless-stopped", "on-failure"}, s.Restart) {
			t.Errorf("%s: restart %q", name, s.Restart)
		}
		if len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" { // exec form: distroless has no shell
			t.Errorf("%s: health check %v", name, s.Healthcheck.Test)
		}
		data := 0
		for _, v := range s.Volumes {
			src, rest, _ := strings.Cut(v, ":")
			switch {
			case strings.HasPrefix(src, "."): // a file of this folder, read-only
				if !strings.HasSuffix(rest, ":ro") {
					t.Errorf("%s: bind mount %s is writable", name, v)
				}
			case c.Volumes != nil && hasKey(c.Volumes, src):
				data++
			default:
				t.Errorf("%s: volume %s is neither named nor a read-only file", name, v)
			}
		}
		if data == 0 {
			t.Errorf("%s keeps its data in no named volume", name)
		}
	}
	if saasd.DependsOn["mariadb"].Condition != "service_healthy" {
		t.Errorf("saasd does not wait for a healthy MariaDB: %+v", saasd.DependsOn)
	}

	// The image: a non-root user in the last stage, and a health check.
	docker := read("deployments/Dockerfile")
	stages := strings.Split(docker, "\nFROM ")
	last := stages[len(stages)-1]
	users := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(last, -1)
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1][1], "0") || strings.HasPrefix(users[len(users)-1][1], "root") {
		t.Errorf("the image's last USER is %v", users)
	}
	if !regexp.MustCompile(`(?m)^HEALTHCHECK .*CMD \[`).MatchString(last) {
		t.Error("the image has no exec-form HEALTHCHECK")
	}
	ignore := read(".dockerignore")
	for _, want := range []string{".git", "**/secret.key", "**/*.db", "deployments/.env"} {
		if !slices.Contains(strings.Split(ignore, "\n"), want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}

	// The systemd unit.
	unit := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(read("deployments/saasd.service")))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			unit[k] = append(unit[k], v)
		}
	}
	for k, want := range map[string]string{
		"User": "saasd", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "EnvironmentFile": "/etc/saasd/saasd.env", "CapabilityBoundingSet": "",
	} {
		if !slices.Contains(unit[k], want) {
			t.Errorf("saasd.service %s=%v, want %q", k, unit[k], want)
		}
	}
	if !slices.ContainsFunc(unit["ExecStart"], func(v string) bool { return strings.Contains(v, "saasd serve") }) {
		t.Errorf("saasd.service ExecStart=%v", unit["ExecStart"])
	}

	// The example environment: saasd's own login, not root.
	for _, line := range strings.Split(read("deployments/saasd.env.example"), "\n") {
		if v, ok := strings.CutPrefix(line, "SAAS_DATABASE_DSN="); ok && (strings.HasPrefix(v, "root") || !strings.HasPrefix(v, "saasd:")) {
			t.Errorf("saasd.env.example: %s", line)
		}
	}
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }
