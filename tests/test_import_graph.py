"""Imports go one way: the package's import graph has no circle, no forbidden
direction and no private name imported across packages.

The graph is read from the source with :mod:`ast` (nothing is imported), so a
lazy import inside a function counts like a top-level one: it is still a
dependency, only a hidden one. Layers, top to bottom::

    tools -> apis / analysis -> models / engine -> cache / datasets / evaluation
          -> structures / registry / utils

The checker runs on the real package and, so that it cannot pass vacuously,
on a tiny fake package with a planted violation of every kind.
"""
from __future__ import annotations

import ast
import os
import os.path as osp
from typing import Dict, Iterator, List, Set, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# The layers of ARCHITECTURE.md, lowest first: a module may import its own layer
# and the ones below, never one above (the root __init__ gathers everything).
LAYERS = [('structures', 'registry', 'utils'),
          ('cache', 'datasets', 'evaluation'),
          ('models', 'engine'),
          ('apis', 'analysis')]

# further rules inside a layer: (importer prefix, imported prefix, allowed parts of the imported side)
FORBIDDEN = [
    ('datasets', 'models', ()),
    ('evaluation', 'models', ()),
    ('cache', 'models', ()),
    # losses are functions of tensors: nothing of the package but registry and utils
    ('models.losses', '', ('registry', 'utils', 'models.losses')),
]


# Known breaks with their fix under way elsewhere (issue 14: ground truth as a loss
# input, adapters in connectors). Each entry must still occur, so a fixed one fails
# here until it is deleted: the list can only shrink.
PENDING: set = set()


def module_name(package_dir: str, path: str) -> str:
    """Dotted module name of ``path`` inside the package rooted at ``package_dir``."""
    rel = osp.relpath(path, osp.dirname(package_dir))[:-len('.py')].split(os.sep)
    return '.'.join(rel[:-1] if rel[-1] == '__init__' else rel)


def walk_modules(package_dir: str) -> Iterator[Tuple[str, str]]:
    for folder, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for file in sorted(files):
            if file.endswith('.py'):
                path = osp.join(folder, file)
                yield module_name(package_dir, path), path


def imports_of(module: str, path: str, is_package: bool, known: Set[str]) -> List[Tuple[str, str]]:
    """``(imported module, imported name or '')`` for every import of ``path``
    that resolves inside the package (``known`` holds the package's modules)."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    found: List[Tuple[str, str]] = []
    base = module if is_package else module.rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, '') for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split('.')
                parent = '.'.join(parts[:len(parts) - node.level + 1])
                source = f'{parent}.{node.module}' if node.module else parent
            else:
                source = node.module or ''
            for alias in node.names:
                candidate = f'{source}.{alias.name}'
                # `from pkg import submodule` depends on the submodule itself
                found.append((candidate, '') if candidate in known else (source, alias.name))
    root = next(iter(known)).split('.')[0]
    return [(m, n) for m, n in found if m == root or m.startswith(root + '.')]


def import_graph(package_dir: str) -> Dict[str, List[Tuple[str, str]]]:
    """Module -> its intra-package imports ``(module, name)``. A name imported from a
    package ``__init__`` that only re-exports it is followed to the module defining
    it, so ``from mmkd.models.oadp import crop_and_resize`` depends on
    ``mmkd.models.oadp.crops``, not on everything the ``__init__`` imports."""
    modules = dict(walk_modules(package_dir))
    known = set(modules)
    raw = {m: imports_of(m, p, p.endswith('__init__.py'), known) for m, p in modules.items()}
    reexports = {m: {n: (t, n) for t, n in imported if n}
                 for m, imported in raw.items() if modules[m].endswith('__init__.py')}

    def resolve(target: str, name: str, seen: frozenset = frozenset()) -> Tuple[str, str]:
        if name and target in reexports and name in reexports[target] and target not in seen:
            return resolve(*reexports[target][name], seen | {target})
        return target, name

    return {m: [resolve(t, n) for t, n in imported] for m, imported in raw.items()}


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + '.')


def _package_of(module: str, graph: Dict[str, list]) -> str:
    """The package a module belongs to (itself for a package ``__init__``)."""
    return module if any(m.startswith(module + '.') for m in graph) else module.rpartition('.')[0]


def find_cycles(graph: Dict[str, List[Tuple[str, str]]]) -> List[List[str]]:
    """Circles between modules (strongly connected components of more than one)."""
    edges: Dict[str, Set[str]] = {m: set() for m in graph}
    for module, imported in graph.items():
        for target, _ in imported:
            target = target if target in graph else target.rpartition('.')[0]
            if target in graph and target != module:
                edges[module].add(target)
    cycles: List[List[str]] = []
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()

    def strongconnect(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    return cycles


def _layer(module: str, root: str) -> int:
    top = module[len(root) + 1:].split('.')[0]
    return next((i for i, names in enumerate(LAYERS) if top in names), -1)


def find_forbidden(graph: Dict[str, List[Tuple[str, str]]], root: str) -> List[str]:
    problems = []
    for module, imported in sorted(graph.items()):
        if module == root:
            continue
        if _layer(module, root) < 0:
            problems.append(f'{module} is in no layer: add its package to LAYERS in {__name__}')
            continue
        for target in dict.fromkeys(t for t, _ in imported):
            low, high = _layer(module, root), _layer(target, root)
            if high > low:
                problems.append(f'{module} imports {target} (layer {"/".join(LAYERS[low]) if low >= 0 else "?"} '
                                f'must not import the higher layer {"/".join(LAYERS[high])})')
                continue
            for src, dst, allowed in FORBIDDEN:
                src_full = f'{root}.{src}'
                dst_full = f'{root}.{dst}' if dst else root
                if not _under(module, src_full) or not _under(target, dst_full):
                    continue
                if any(_under(target, f'{root}.{a}') for a in allowed):
                    continue
                problems.append(f'{module} imports {target} ({src_full} must not import '
                                f'{dst_full}{" except " + ", ".join(allowed) if allowed else ""})')
    return problems


def find_private(graph: Dict[str, List[Tuple[str, str]]]) -> List[str]:
    """Private names (``_x``, not dunder) imported from outside the importer's own package."""
    problems = []
    for module, imported in sorted(graph.items()):
        own = _package_of(module, graph)
        for target, name in imported:
            private_name = name.startswith('_') and not name.startswith('__')
            private_module = any(p.startswith('_') and not p.startswith('__') for p in target.split('.'))
            if not (private_name or private_module):
                continue
            if _under(target, own):
                continue
            problems.append(f'{module} imports the private {target}{"." + name if name else ""} '
                            f'from outside its package {own}')
    return problems


def package_graph(graph: Dict[str, List[Tuple[str, str]]]) -> Dict[str, Dict[str, List[str]]]:
    """Package -> imported package -> the module imports that make the edge.

    A module belongs to its package (a module at the root is its own unit).
    A package ``__init__`` importing its own subpackages is the package's face
    (it gathers registrations), not a dependency, so those edges are left out;
    ``from mmkd.models.oadp import x`` already points at the defining module.
    """
    root = min(graph, key=len)

    def unit(module: str) -> str:
        package = _package_of(module, graph)
        return module if package == root else package

    edges: Dict[str, Dict[str, List[str]]] = {}
    for module, imported in graph.items():
        is_init = _package_of(module, graph) == module
        for target, _ in imported:
            target = target if target in graph else target.rpartition('.')[0]
            if target not in graph or (is_init and _under(target, module)):
                continue
            a, b = unit(module), unit(target)
            if a != b:
                edges.setdefault(a, {}).setdefault(b, []).append(f'{module} -> {target}')
    return edges


def find_package_cycles(graph: Dict[str, List[Tuple[str, str]]]) -> List[str]:
    edges = package_graph(graph)
    nodes = set(edges) | {b for targets in edges.values() for b in targets}
    as_graph = {a: [(b, '') for b in edges.get(a, {})] for a in nodes}
    problems = []
    for cycle in find_cycles(as_graph):
        members = set(cycle)
        links = sorted({link for a in cycle for b, made in edges.get(a, {}).items() if b in members
                        for link in made})
        problems.append(f'package circle: {" <-> ".join(cycle)} (through {"; ".join(links)})')
    return problems


def check(package_dir: str) -> List[str]:
    graph = import_graph(package_dir)
    root = osp.basename(package_dir)
    problems = [f'import circle: {" <-> ".join(c)}' for c in find_cycles(graph)]
    problems += find_package_cycles(graph)
    return problems + find_forbidden(graph, root) + find_private(graph)


def test_mmkd_imports_go_one_way():
    problems = check(osp.join(ROOT, 'mmkd'))
    pending = {p for p in problems if p.split(' (')[0] in PENDING}
    stale = PENDING - {p.split(' (')[0] for p in pending}
    assert not stale, f'fixed, delete from PENDING: {sorted(stale)}'
    new = [p for p in problems if p not in pending]
    assert not new, 'import rules broken:\n' + '\n'.join(new)


def test_graph_sees_every_module_and_relative_imports():
    graph = import_graph(osp.join(ROOT, 'mmkd'))
    assert 'mmkd.registry' in graph and 'mmkd.models.losses' in graph
    assert ('mmkd.registry', 'MODELS') in graph['mmkd.models.losses.kd'] or \
        any(t == 'mmkd.registry' for t, _ in graph['mmkd.models.losses.kd'])


def _write(root, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_checker_catches_planted_violations(tmp_path):
    pkg = tmp_path / 'fakepkg'
    _write(pkg, '__init__.py', '')
    _write(pkg, 'registry.py', 'MODELS = {}\n')
    _write(pkg, 'utils/__init__.py', '')
    _write(pkg, 'models/__init__.py', 'from .losses import Loss\n')
    _write(pkg, 'models/head.py', 'from fakepkg.datasets.coco import load\n')
    _write(pkg, 'models/losses/__init__.py', 'from .kd import Loss\n')
    # losses reaching into the cache (forbidden direction)
    _write(pkg, 'models/losses/kd.py', 'from .registry_local import x\nfrom fakepkg.cache.io import write\n'
           'class Loss: pass\n')
    _write(pkg, 'models/losses/registry_local.py', 'x = 1\n')
    # datasets -> models (forbidden) closing a circle models.head -> datasets.coco -> models.head
    _write(pkg, 'datasets/__init__.py', '')
    _write(pkg, 'datasets/coco.py', 'def load(): pass\ndef helper():\n    from fakepkg.models import head\n')
    # cache importing a private name of another package
    _write(pkg, 'cache/__init__.py', '')
    _write(pkg, 'cache/io.py', 'from fakepkg.utils.hashing import _digest\ndef write(): pass\n')
    _write(pkg, 'utils/hashing.py', 'def _digest(): pass\n')
    # a low layer reaching up
    _write(pkg, 'structures/__init__.py', 'from fakepkg.datasets import coco\n')
    # a private name inside its own package is fine
    _write(pkg, 'utils/files.py', 'from .hashing import _digest\n')

    problems = check(str(pkg))
    text = '\n'.join(problems)
    assert 'import circle: fakepkg.datasets.coco <-> fakepkg.models.head' in text, text
    assert 'package circle: fakepkg.datasets <-> fakepkg.models (through fakepkg.datasets.coco -> ' \
        'fakepkg.models.head; fakepkg.models.head -> fakepkg.datasets.coco)' in text, text
    assert 'fakepkg.datasets.coco imports fakepkg.models' in text, text
    assert 'fakepkg.models.losses.kd imports fakepkg.cache.io' in text, text
    assert 'fakepkg.cache.io imports the private fakepkg.utils.hashing._digest' in text, text
    assert 'fakepkg.structures imports fakepkg.datasets.coco (layer structures/registry/utils must not ' \
        'import the higher layer cache/datasets/evaluation)' in text, text
    assert 'fakepkg.utils.files' not in text, text
    assert 'registry_local' not in text, text
    assert len(problems) == 6, text


def test_checker_passes_a_clean_package(tmp_path):
    pkg = tmp_path / 'cleanpkg'
    _write(pkg, '__init__.py', 'from . import models\n')
    _write(pkg, 'utils/__init__.py', 'from .files import load\n')
    _write(pkg, 'utils/files.py', 'def load(): pass\n')
    _write(pkg, 'models/__init__.py', 'from .net import Net\n')
    _write(pkg, 'models/net.py', 'from ..utils import load\nfrom . import helpers\nclass Net: pass\n')
    _write(pkg, 'models/helpers.py', 'from cleanpkg.utils.files import load\n')
    assert check(str(pkg)) == []
