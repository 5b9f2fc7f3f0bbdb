"""register, promote and rollback: the YAML stays as people wrote it, and a refusal writes nothing.

Every scenario is a real git repository in a temporary directory (HOME and git configuration
isolated), driven through `modelops_gitops.cli.main`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from modelops_gitops.cli import main
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.kinds import Model
from modelops_gitops.repo import edit
from modelops_gitops.repo.load import load_document
from modelops_gitops.repo.scaffold import scaffold_files

MODEL = "models/x/model.yaml"
FILES = {
    "artifacts/x/0.9.0.skops": b"model zero",
    "artifacts/x/1.0.0.skops": b"model one",
    "artifacts/x/1.1.0.skops": b"model two",
    "artifacts/x/1.2.0.skops": b"model three, a little larger",
    "data/train.csv": b"age,income,debt,default\n30,1,2,0\n",
    "data/eval.csv": b"age,income,debt,default\n40,2,1,1\n",
}
SHA = {path: sha256_bytes(data) for path, data in FILES.items()}

# Comments everywhere, task before owner, quoted strings, flow collections, odd spacing, and
# sequences whose dash sits at the parent key's column.
MODEL_X = f"""\
# yaml-language-server: $schema=../../schemas/model.json
# Credit scoring \u2014 written by hand.   (two spaces on purpose)
apiVersion: modelops-gitops/v1
kind: Model
metadata:
  name: "x"
spec:
  task: binary_classification     # task before owner, on purpose
  owner: 'ml-team'
  target: "default"
  risk_tier: high
  features: [age, income,  "debt"]
  versions:
  - version: 0.9.0
    deprecated: true
    artifact: {{path: artifacts/x/0.9.0.skops, sha256: {SHA["artifacts/x/0.9.0.skops"]}, format: skops}}
    datasets:
      train: {{path: data/train.csv, sha256: {SHA["data/train.csv"]}}}
      eval: {{path: data/eval.csv, sha256: {SHA["data/eval.csv"]}}}
  - version: "1.0.0"
    metrics: {{roc_auc: 0.81}}
    artifact: {{path: artifacts/x/1.0.0.skops, sha256: {SHA["artifacts/x/1.0.0.skops"]}, format: skops}}
    datasets:
      train: {{path: data/train.csv, sha256: {SHA["data/train.csv"]}}}
      eval: {{path: data/eval.csv, sha256: {SHA["data/eval.csv"]}}}

  # the retrained one
  - version: 1.1.0
    artifact:
      path: "artifacts/x/1.1.0.skops"
      sha256: {SHA["artifacts/x/1.1.0.skops"]}
      format: skops
    datasets:
      train: {{path: data/train.csv, sha256: {SHA["data/train.csv"]}}}
      eval: {{path: data/eval.csv, sha256: {SHA["data/eval.csv"]}}}
    metrics:
      roc_auc: 0.84   # claimed

  # desired stages
  stages:
    staging: "1.1.0"    # latest
    production: 1.0.0

# end of file
"""


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid GitOps repository with model x, committed once; the cwd is its root."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "repo"
    scaffold = scaffold_files(owner="acme", name="models")
    files = {p: scaffold[p] for p in ("modelops.yaml", "policies/lifecycle.yaml")}
    files["policies/teams.yaml"] = scaffold["policies/teams.yaml"]
    files[MODEL] = MODEL_X.encode()
    files.update(FILES)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    git(root, "init", "--quiet", "--initial-branch=main")
    commit(root, "initial")
    monkeypatch.chdir(root)
    return root


def commit(root: Path, message: str) -> None:
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--no-verify", "-m", message)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out.out, out.err


def changes(before: bytes, after: bytes) -> list[tuple[list[str], list[str]]]:
    """The differing regions (removed lines, added lines); every other line is identical."""
    old, new = before.decode().splitlines(True), after.decode().splitlines(True)
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    return [(old[i1:i2], new[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def model_doc(root: Path) -> Model:
    doc, problems = load_document(MODEL, (root / MODEL).read_bytes())
    assert not problems
    assert isinstance(doc, Model)
    return doc


def register_args(
    version: str = "1.2.0", artifact: str = "artifacts/x/1.2.0.skops", model: str = "x"
) -> list[str]:
    return [
        *("register", model, "--version", version, "--artifact", artifact),
        *("--eval-data", "data/eval.csv", "--train-data", "data/train.csv"),
    ]


# -- what changes, and what does not -------------------------------------------------------------


def test_promote_changes_one_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (repo / MODEL).read_bytes()
    code, out, err = cli(capsys, "promote", "x", "1.1.0", "production")
    assert (code, err) == (0, "")
    assert out == "promote: x production 1.0.0 -> 1.1.0 (models/x/model.yaml)\n"
    after = (repo / MODEL).read_bytes()
    assert changes(before, after) == [(["    production: 1.0.0\n"], ["    production: 1.1.0\n"])]


def test_promote_adds_a_stage_where_the_lifecycle_puts_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (repo / MODEL).read_bytes()
    code, out, _ = cli(capsys, "promote", "x", "1.1.0", "development")
    assert code == 0
    assert out == "promote: x development none -> 1.1.0 (models/x/model.yaml)\n"
    after = (repo / MODEL).read_bytes()
    assert changes(before, after) == [([], ["    development: 1.1.0\n"])]
    lines = after.decode().splitlines()
    assert lines[lines.index("    development: 1.1.0") - 1] == "  stages:"
    assert list(model_doc(repo).spec.stages) == ["development", "staging", "production"]


def test_promote_to_the_current_version_changes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (repo / MODEL).read_bytes()
    code, out, _ = cli(capsys, "promote", "x", "1.0.0", "production")
    assert code == 0
    assert "already 1.0.0" in out
    assert (repo / MODEL).read_bytes() == before


def test_register_appends_one_version_block(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (repo / MODEL).read_bytes()
    code, out, err = cli(
        capsys,
        *register_args(),
        *("--metric", "roc_auc=0.9", "--metric", "accuracy=0.8"),
        *("--description", "retrained: more data"),
    )
    assert (code, err) == (0, "")
    assert out == "register: x 1.2.0 (models/x/model.yaml)\n"
    after = (repo / MODEL).read_bytes()
    [(removed, added)] = changes(before, after)
    assert removed == []
    assert added[0] == "  - version: 1.2.0\n"
    # placed after the last version's last line, above the comment that introduces the stages
    lines = after.decode().splitlines(True)
    at = lines.index(added[0])
    assert lines[at - 1] == "      roc_auc: 0.84   # claimed\n"
    assert lines[at + len(added) : at + len(added) + 2] == ["\n", "  # desired stages\n"]
    # shaped like the version before it: its key order and flow style
    text = "".join(added)
    assert text.index("artifact:") < text.index("datasets:") < text.index("metrics:")
    assert f"train: {{path: data/train.csv, sha256: {SHA['data/train.csv']}}}" in text
    version = model_doc(repo).spec.version("1.2.0")
    assert version is not None
    assert version.artifact.path == "artifacts/x/1.2.0.skops"
    assert version.artifact.sha256 == SHA["artifacts/x/1.2.0.skops"]
    assert version.artifact.size == len(FILES["artifacts/x/1.2.0.skops"])
    assert version.datasets.eval.sha256 == SHA["data/eval.csv"]
    assert version.training.code_commit == git(repo, "rev-parse", "HEAD")
    assert version.training.params == {}
    assert version.metrics == {"roc_auc": 0.9, "accuracy": 0.8}
    assert version.description == "retrained: more data"
    assert cli(capsys, "validate", "--no-cache")[0] == 0


def test_register_paths_are_relative_to_the_cwd(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "data")
    code, _, err = cli(
        capsys,
        *("register", "x", "--version", "1.2.0", "--artifact", "../artifacts/x/1.2.0.skops"),
        *("--eval-data", "eval.csv", "--train-data", str(repo / "data" / "train.csv")),
    )
    assert (code, err) == (0, "")
    version = model_doc(repo).spec.version("1.2.0")
    assert version is not None
    assert version.artifact.path == "artifacts/x/1.2.0.skops"
    assert version.datasets.eval.path == "data/eval.csv"
    assert version.datasets.train.path == "data/train.csv"


def test_register_creates_a_new_model(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys,
        *("register", "fraud", "--version", "0.1.0", "--artifact", "artifacts/x/1.2.0.skops"),
        *("--eval-data", "data/eval.csv", "--train-data", "data/train.csv"),
        *("--owner", "ml-team", "--task", "binary_classification", "--target", "default"),
    )
    assert code == 0
    assert out == "register: fraud 0.1.0, new model (models/fraud/model.yaml)\n"
    text = (repo / "models/fraud/model.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/model.json\n")
    doc, problems = load_document("models/fraud/model.yaml", text.encode())
    assert not problems
    assert isinstance(doc, Model)
    assert (doc.metadata.name, doc.spec.owner, doc.spec.risk_tier) == ("fraud", "ml-team", "medium")
    assert [v.version for v in doc.spec.versions] == ["0.1.0"]
    assert cli(capsys, "validate", "--no-cache")[0] == 0


def test_register_warns_about_an_unsafe_format(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, *register_args(), "--format", "pickle")
    assert code == 0
    assert "warning: pickle is not a safe format" in err


# -- rollback ------------------------------------------------------------------------------------


def test_rollback_to_a_named_version(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "promote", "x", "1.1.0", "production")[0] == 0
    before = (repo / MODEL).read_bytes()
    code, out, _ = cli(capsys, "rollback", "x", "production", "--to", "1.0.0")
    assert code == 0
    assert out == "rollback: x production 1.1.0 -> 1.0.0 (models/x/model.yaml)\n"
    after = (repo / MODEL).read_bytes()
    assert changes(before, after) == [(["    production: 1.1.0\n"], ["    production: 1.0.0\n"])]


def test_rollback_from_git_history(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "promote", "x", "1.1.0", "production")[0] == 0
    commit(repo, "production 1.1.0")
    assert cli(capsys, *register_args())[0] == 0
    commit(repo, "register 1.2.0")  # a commit that leaves production alone
    assert cli(capsys, "promote", "x", "1.2.0", "production")[0] == 0
    commit(repo, "production 1.2.0")
    before = (repo / MODEL).read_bytes()
    code, out, _ = cli(capsys, "rollback", "x", "production")
    assert code == 0
    assert out == "rollback: x production 1.2.0 -> 1.1.0 (models/x/model.yaml)\n"
    assert changes(before, (repo / MODEL).read_bytes()) == [
        (["    production: 1.2.0\n"], ["    production: 1.1.0\n"])
    ]


def test_rollback_sees_an_uncommitted_promotion(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "promote", "x", "1.1.0", "production")[0] == 0  # not committed
    code, out, _ = cli(capsys, "rollback", "x", "production")
    assert code == 0
    assert "production 1.1.0 -> 1.0.0" in out


# -- refusals: exit 2, the file and field named, no traceback, nothing written -------------------


def _outside(repo: Path) -> str:
    path = repo.parent / "outside.skops"
    path.write_bytes(b"not in the repo")
    return str(path)


def _break_model(repo: Path) -> None:
    text = (
        (repo / MODEL)
        .read_text()
        .replace("  risk_tier: high\n", "  risk_tier: high\n  colour: red\n")
    )
    (repo / MODEL).write_text(text)


REFUSALS: list[tuple[str, list[str], list[str]]] = [
    (
        "unknown model",
        ["promote", "nope", "1.0.0", "production"],
        ["models/nope/model.yaml", "no such model 'nope'"],
    ),
    ("unknown model, rollback", ["rollback", "nope", "production"], ["models/nope/model.yaml"]),
    (
        "new model without options",
        [*register_args(model="nope"), "--owner", "ml-team"],
        ["models/nope/model.yaml", "--task, --target"],
    ),
    (
        "version already registered",
        register_args(version="1.1.0"),
        ["models/x/model.yaml", "spec.versions", "1.1.0 is already registered"],
    ),
    (
        "unregistered version",
        ["promote", "x", "9.9.9", "production"],
        ["models/x/model.yaml:", "spec.stages.production", "version 9.9.9 is not registered"],
    ),
    (
        "deprecated version",
        ["promote", "x", "0.9.0", "staging"],
        ["spec.stages.staging", "version 0.9.0 is deprecated"],
    ),
    (
        "unknown stage",
        ["promote", "x", "1.1.0", "canary"],
        ["spec.stages.canary", "unknown stage 'canary'"],
    ),
    (
        "unknown stage, rollback",
        ["rollback", "x", "canary"],
        ["spec.stages.canary", "unknown stage 'canary'"],
    ),
    (
        "empty stage, rollback",
        ["rollback", "x", "development"],
        ["spec.stages.development", "nothing to roll back"],
    ),
    (
        "no earlier holder",
        ["rollback", "x", "production"],
        ["models/x/model.yaml", "spec.stages.production", "no earlier version held production"],
    ),
    (
        "semver, promote",
        ["promote", "x", "1.1", "production"],
        ["VERSION", "'1.1' is not a semantic version"],
    ),
    ("semver, register", register_args(version="v1.2.0"), ["--version", "not a semantic version"]),
    ("semver, rollback", ["rollback", "x", "production", "--to", "latest"], ["--to"]),
    (
        "artifact missing",
        register_args(artifact="artifacts/x/2.0.0.skops"),
        ["artifacts/x/2.0.0.skops", "--artifact", "no such file"],
    ),
    ("artifact outside", [], ["--artifact", "outside the repository"]),
    (
        "data missing",
        [*register_args(), "--eval-data", "data/nope.csv"],
        ["data/nope.csv", "--eval-data", "no such file"],
    ),
    ("format", [*register_args(), "--format", "pkl"], ["--format", "skops, onnx"]),
    ("metric", [*register_args(), "--metric", "roc_auc=high"], ["--metric roc_auc", "'high'"]),
    (
        "unknown team (new model)",
        [
            *register_args(model="nope"),
            *("--owner", "nobody", "--task", "regression"),
            "--target=default",
        ],
        ["models/nope/model.yaml:", "spec.owner", "unknown team 'nobody'", "would not validate"],
    ),
    (
        "task (new model)",
        [*register_args(model="nope"), *("--owner", "ml-team", "--task", "ranking", "--target=y")],
        ["--task", "expected one of binary_classification"],
    ),
    (
        "symlink to outside",
        [*register_args(artifact="artifacts/link.skops")],
        ["artifacts/link.skops", "--artifact", "a symlink to outside the repository"],
    ),
    (
        "invalid model file",
        ["promote", "x", "1.1.0", "production"],
        ["models/x/model.yaml:", "spec.colour", "unknown field", "validate reports problems"],
    ),
]


@pytest.mark.parametrize(("case", "argv", "expected"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_exit_2_and_write_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str], case: str, argv: list[str], expected: list[str]
) -> None:
    if case == "artifact outside":
        argv = [*register_args(artifact=_outside(repo))]
    if case == "symlink to outside":
        (repo / "artifacts/link.skops").symlink_to(_outside(repo))
    if case == "invalid model file":
        _break_model(repo)
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    code, out, err = cli(capsys, *argv)
    assert code == 2, (out, err)
    assert out == ""
    for fragment in expected:
        assert fragment in err
    assert "Traceback" not in err
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before


def test_a_refusal_through_the_console_script(repo: Path) -> None:
    script = Path(sys.executable).parent / "modelops-gitops"
    before = (repo / MODEL).read_bytes()
    proc = subprocess.run(
        [str(script), "promote", "x", "9.9.9", "production"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "spec.stages.production: version 9.9.9 is not registered" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (repo / MODEL).read_bytes() == before


# -- the pure core -------------------------------------------------------------------------------


def test_edit_keeps_crlf_and_a_missing_final_newline() -> None:
    raw = MODEL_X.replace("\n", "\r\n").rstrip("\r\n").encode()
    new = edit.set_stage(raw, "production", "1.1.0")
    assert new == raw.replace(b"production: 1.0.0", b"production: 1.1.0")
    new = edit.set_stage(raw, "canary", "1.1.0")
    assert new.replace(b"\r\n    canary: 1.1.0", b"") == raw


def test_edit_keeps_flow_stages_and_detects_indentation() -> None:
    text = MODEL_X.split("  # desired stages\n")[0] + "  stages: {staging: 1.1.0}\n"
    new = edit.set_stage(text.encode(), "production", "1.0.0").decode()
    assert new == text.replace("{staging: 1.1.0}", "{staging: 1.1.0, production: 1.0.0}")
    indented = "a:\n    b:\n        - c: 1\n          d: 2\n"
    assert edit.detect_indent(edit._yaml(edit.Indent()).load(indented), indented.splitlines()) == (
        edit.Indent(4, 6, 4)
    )


def test_an_edited_line_that_ruamel_respaces_takes_ruamels_text() -> None:
    text = (
        MODEL_X.split("  # desired stages\n")[0]
        + "  stages: {staging: 1.1.0,   production: 1.0.0}\n"
    )
    new = edit.set_stage(text.encode(), "production", "1.1.0").decode()
    head = text.rsplit("  stages:", 1)[0]
    assert new == head + "  stages: {staging: 1.1.0, production: 1.1.0}\n"


def test_a_model_without_versions_or_stages_gets_them() -> None:
    text = MODEL_X.split("  versions:\n")[0]
    version = edit.NewVersion(
        "1.0.0",
        edit.PinnedFile("artifacts/x/1.0.0.skops", "a" * 64),
        "onnx",
        9,
        edit.PinnedFile("data/train.csv", "b" * 64),
        edit.PinnedFile("data/eval.csv", "c" * 64),
    )
    raw = edit.set_stage(edit.register(text.encode(), version), "staging", "1.0.0")
    assert raw.decode().startswith(text)
    doc, problems = load_document(MODEL, raw)
    assert not problems
    assert isinstance(doc, Model)
    assert doc.spec.stages == {"staging": "1.0.0"}
    assert doc.spec.versions[0].artifact.format == "onnx"
    assert doc.spec.versions[0].training.code_commit is None


def test_a_block_indented_unlike_the_rest_is_reindented_and_nothing_else() -> None:
    text = MODEL_X.replace("    staging:", "        staging:").replace(
        "    production:", "        production:"
    )
    new = edit.set_stage(text.encode(), "canary", "1.1.0")
    assert changes(text.encode(), new) == [
        (
            ['        staging: "1.1.0"    # latest\n', "        production: 1.0.0\n"],
            [
                '    staging: "1.1.0"        # latest\n',
                "    production: 1.0.0\n",
                "    canary: 1.1.0\n",
            ],
        )
    ]


def test_outside_git(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No git: code_commit is left out, and rollback needs --to."""
    shutil.rmtree(repo / ".git")
    code, _, err = cli(capsys, *register_args(), "--repo", str(repo))
    assert (code, err) == (0, "")
    version = model_doc(repo).spec.version("1.2.0")
    assert version is not None
    assert version.training.code_commit is None
    code, _, err = cli(capsys, "rollback", "x", "production", "--repo", str(repo))
    assert code == 2
    assert "name one with --to VERSION" in err
    code, out, _ = cli(capsys, "rollback", "x", "production", "--to", "1.1.0", "--repo", str(repo))
    assert (code, out) == (0, "rollback: x production 1.0.0 -> 1.1.0 (models/x/model.yaml)\n")


def test_register_refuses_a_new_models_target_missing_from_the_data(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_files(repo)
    code, _, err = cli(
        capsys,
        *register_args(model="fraud"),
        *("--owner", "ml-team", "--task", "binary_classification", "--target", "defualt"),
    )
    assert code == 2
    assert (
        "models/fraud/model.yaml: --target: 'defualt' is not a column of --eval-data eval.csv "
        "(did you mean 'default'?; known: age, debt, default, income)"
    ) in err
    assert snapshot_files(repo) == before


def test_register_points_at_the_model_field_whose_column_the_data_lacks(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "data/eval2.csv").write_bytes(b"age,income,default\n40,2,1\n")
    before = snapshot_files(repo)
    args = register_args()
    args[args.index("data/eval.csv")] = "data/eval2.csv"
    code, _, err = cli(capsys, *args)
    assert code == 2
    line = next(
        i
        for i, text in enumerate((repo / MODEL).read_text().splitlines(), 1)
        if "features:" in text
    )
    assert (
        f"models/x/model.yaml:{line}:3: spec.features: 'debt' is not a column of --eval-data "
        "eval2.csv"
    ) in err
    assert snapshot_files(repo) == before


def test_register_reads_the_header_of_a_gzipped_csv(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import gzip

    (repo / "data/eval.csv.gz").write_bytes(gzip.compress(b"age,income,debt,default\n1,2,3,0\n"))
    args = register_args()
    args[args.index("data/eval.csv")] = "data/eval.csv.gz"
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    assert out.startswith("register: x 1.2.0")


def snapshot_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
