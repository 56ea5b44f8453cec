#!/usr/bin/env python3
"""Tests of scripts/module_cycles.py on tiny fake crates (run by .ci/run):
`python3 scripts/test_module_cycles.py`."""

import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import module_cycles  # noqa: E402


def crate(files):
    """A temporary src/ holding `files` ({relative path: text})."""
    tmp = tempfile.TemporaryDirectory()
    for rel, text in files.items():
        path = os.path.join(tmp.name, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return tmp


def run(files):
    """(exit code, output) of the checker over `files`."""
    with crate(files) as src:
        out = io.StringIO()
        code = module_cycles.check(src, out)
        return code, out.getvalue()


LIB = "pub mod a;\npub mod b;\n"


class ModuleCycles(unittest.TestCase):
    def test_a_clean_tree_passes(self):
        code, out = run(
            {
                "lib.rs": LIB,
                "a.rs": "use crate::b::Thing;\npub fn f(_: Thing) {}\n",
                "b.rs": "pub struct Thing;\n",
            }
        )
        self.assertEqual(code, 0, out)
        self.assertIn("no cycles (1 edges between modules)", out)

    def test_a_top_level_cycle_is_found_with_its_files(self):
        code, out = run(
            {
                "lib.rs": LIB,
                "a.rs": "use crate::b::Thing;\npub struct Other;\n",
                "b/mod.rs": "pub struct Thing;\nfn g() -> crate::a::Other { todo!() }\n",
            }
        )
        self.assertEqual(code, 1)
        self.assertIn("cycle: a <-> b", out)
        self.assertIn("a -> b: a.rs", out)
        self.assertIn("b -> a: b/mod.rs", out)

    def test_a_parent_reexport_counts_as_an_edge_to_the_defining_child(self):
        # `super::Row` resolves through p/mod.rs's re-export to p::row, any visibility.
        for vis in ("pub ", "pub(crate) ", ""):
            code, out = run(
                {
                    "lib.rs": "pub mod p;\n",
                    "p/mod.rs": f"mod row;\nmod writer;\n{vis}use row::Row;\n"
                    "pub use writer::Writer;\n",
                    "p/row.rs": "use super::Writer;\npub struct Row;\n",
                    "p/writer.rs": "use super::Row;\npub struct Writer;\n",
                }
            )
            self.assertEqual(code, 1, vis)
            self.assertIn("cycle: p::row <-> p::writer", out)

    def test_reexports_are_followed_in_chains_and_by_alias(self):
        code, out = run(
            {
                "lib.rs": LIB + "pub mod c;\n",
                # a re-exports c's Deep under another name; b reaches it through a.
                "a.rs": "pub use crate::c::Deep as Shallow;\n",
                "b.rs": "pub struct B;\nfn f(_: crate::a::Shallow) {}\n",
                "c.rs": "pub struct Deep;\nfn g(_: crate::b::B) {}\n",
            }
        )
        self.assertEqual(code, 1)
        self.assertIn("cycle: b <-> c", out)

    def test_super_counts_from_an_inline_module(self):
        # In p/x.rs, `mod tests { use super::super::y::Y; }` names p::y (a sibling), not y.
        code, out = run(
            {
                "lib.rs": "pub mod p;\n",
                "p/mod.rs": "mod x;\nmod y;\n",
                "p/x.rs": "pub struct X;\n#[cfg(test)]\nmod tests {\n    use super::super::y::Y;\n}\n",
                "p/y.rs": "pub struct Y;\nuse super::x::X;\n",
            }
        )
        self.assertEqual(code, 1)
        self.assertIn("p::x -> p::y: p/x.rs", out)

    def test_literals_and_comments_are_no_edges_and_hide_none(self):
        code, out = run(
            {
                "lib.rs": LIB,
                # A "//" inside a string must not swallow the path after it on the line.
                "a.rs": 'pub struct A;\nconst U: &str = "http://x"; use crate::b::B;\n',
                "b.rs": "pub struct B;\n// crate::a::A in a comment\n"
                'const S: &str = "crate::a::A";\nconst C: char = \'"\';\n'
                "fn f(_: crate::a::A) {}\n",
            }
        )
        self.assertEqual(code, 1, out)
        self.assertIn("a -> b: a.rs", out)
        self.assertIn("b -> a: b.rs", out)

    def test_no_rust_files_is_an_error_not_a_pass(self):
        with tempfile.TemporaryDirectory() as empty:
            self.assertEqual(module_cycles.check(os.path.join(empty, "src"), io.StringIO()), 2)

    def test_the_crate_itself_has_no_cycle(self):
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
        out = io.StringIO()
        self.assertEqual(module_cycles.check(src, out), 0, out.getvalue())


if __name__ == "__main__":
    unittest.main()
