"""tfc-opt: reads tfc dialect MLIR, runs graph passes or lowers it, and prints the result; lit tests drive it.

    tfc-opt model.mlir --fold --cse --dce       # graph passes, applied in command-line order
    tfc-opt model.mlir --lower                  # linalg/tensor/arith/math MLIR, one func.func per function
    tfc-opt model.mlir --pipeline fusion,bufferize
    tfc-opt --split-input-file cases.mlir       # each chunk between `// -----` lines on its own
    tfc-opt --emit-irdl > dialect/tfc.irdl.mlir
    tfc-opt --print-pipeline lower-cpu

Errors in the input are reported as `file:line:col: error: message` with exit status 1, never a traceback.
Locations are printed only with --mlir-print-debuginfo.
"""
from __future__ import annotations

import argparse
import sys

from tfc.dialect.irdl import generate_irdl
from tfc.dialect.lowering import lower_graph
from tfc.dialect.parser import ParseError, parse_module
from tfc.errors import TfcError
from tfc.graph import Graph, VerificationError, print_graph
from tfc.passes import pipeline as pipelines
from tfc.passes.graph_passes import PASSES, optimize
from tfc.passes.mlir_tools import mlir_opt

from .diagnostics import check_diagnostics, expected_errors

__all__ = ["main", "split_input", "process"]

SPLIT_MARKER = "// -----"
GRAPH_PASSES = {**PASSES, "optimize": optimize}


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits with 2; tfc-opt fails with 1 like every other error
        self.print_usage(sys.stderr)
        self.exit(1, f"tfc-opt: error: {message}\n")


def build_argument_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="tfc-opt", description=__doc__.split("\n\n")[0])
    parser.add_argument("input", nargs="?", default="-", help="a .mlir file, or - for standard input (default)")
    for name, graph_pass in GRAPH_PASSES.items():
        summary = (graph_pass.__doc__ or "").split(":")[0].split(".")[0].strip()
        parser.add_argument(f"--{name}", dest="passes", action="append_const", const=name, default=[],
                            help=f"graph pass: {summary}")
    parser.add_argument("--lower", action="store_true", help="print the linalg-level MLIR of each function")
    parser.add_argument("--pipeline", metavar="NAME[,NAME...]",
                        help=f"lower, then run named MLIR pipelines ({', '.join(pipelines.PIPELINES)})")
    parser.add_argument("--split-input-file", action="store_true",
                        help=f"process each chunk between '{SPLIT_MARKER}' lines separately")
    parser.add_argument("--verify-diagnostics", action="store_true",
                        help="check reported errors against '// expected-error {{...}}' comments")
    parser.add_argument("--emit-irdl", action="store_true", help="print the dialect's IRDL declaration")
    parser.add_argument("--print-pipeline", metavar="NAME", help="print a named pipeline's passes and stop")
    parser.add_argument("--mlir-print-debuginfo", action="store_true", help="print loc(...) locations")
    return parser


def split_input(text: str) -> list[tuple[str, int]]:
    """(chunk, number of its first line) for each part of `text` between `// -----` lines."""
    chunks, current, first_line = [], [], 1
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if line.strip() == SPLIT_MARKER:
            chunks.append(("".join(current), first_line))
            current, first_line = [], number + 1
        else:
            current.append(line)
    chunks.append(("".join(current), first_line))
    return chunks


def run_graph_passes(graph: Graph, names: list[str]) -> Graph:
    for name in names:
        graph = GRAPH_PASSES[name](graph)
        try:
            graph.verify()
        except VerificationError as error:
            raise TfcError(f"internal error: --{name} produced an invalid graph: {error}") from None
    return graph


def process(chunk: str, filename: str, first_line: int, args: argparse.Namespace) -> str:
    """The output for one chunk of input: printed graphs, lowered MLIR, or the result of MLIR pipelines."""
    graphs = [run_graph_passes(g, args.passes) for g in parse_module(chunk, filename, first_line=first_line)]
    if not (args.lower or args.pipeline):
        return "\n".join(print_graph(g, debug_info=args.mlir_print_debuginfo) for g in graphs)
    if not args.mlir_print_debuginfo:
        for node in (node for g in graphs for node in g.nodes):
            node.loc = None  # lower_graph prints the locations it is given
    lowered = "\n".join(lower_graph(g, g.name) for g in graphs)
    if not args.pipeline:
        return lowered
    names = args.pipeline.split(",")
    return mlir_opt(lowered, pipelines.pass_string(names), f"tfc-opt --pipeline {args.pipeline}",
                    debug_info=args.mlir_print_debuginfo)


def _read_input(path: str) -> tuple[str, str]:
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    with open(path, encoding="utf-8") as f:
        return f.read(), path


def _check_options(args: argparse.Namespace) -> None:
    names = args.pipeline.split(",") if args.pipeline else []
    if args.print_pipeline:
        names.append(args.print_pipeline)
    unknown = [n for n in names if n not in pipelines.PIPELINES]
    if unknown:
        raise TfcError(f"unknown pipeline '{unknown[0]}'; known pipelines: {', '.join(pipelines.PIPELINES)}")


def _process_chunk(chunk: str, first_line: int, filename: str, args) -> tuple[str | None, list[str]]:
    """(output or None, error messages) for one chunk; with --verify-diagnostics the errors are compared
    with the chunk's `expected-error` comments instead."""
    output, error = None, None
    try:
        output = process(chunk, filename, first_line, args)
    except ParseError as parse_error:
        error = (parse_error.location.line, parse_error.location.col, parse_error.message)
    except (TfcError, NotImplementedError) as failure:  # a compiler stage rejected valid input
        error = (first_line, 1, str(failure))
    if args.verify_diagnostics:
        return output, check_diagnostics(filename, expected_errors(chunk, first_line), error)
    return output, [] if error is None else [f"{filename}:{error[0]}:{error[1]}: error: {error[2]}"]


def main(argv: list[str] | None = None) -> int:
    """The tfc-opt command line; returns the exit status (0, or 1 when any chunk failed)."""
    args = build_argument_parser().parse_args(argv)
    try:
        _check_options(args)
        if args.emit_irdl:
            sys.stdout.write(generate_irdl())
            return 0
        if args.print_pipeline:
            sys.stdout.write(pipelines.describe(args.print_pipeline) + "\n")
            return 0
        text, filename = _read_input(args.input)
    except (TfcError, OSError, UnicodeDecodeError) as error:
        sys.stderr.write(f"tfc-opt: error: {error}\n")
        return 1
    chunks = split_input(text) if args.split_input_file else [(text, 1)]
    outputs, failed = [], False
    for chunk, first_line in chunks:
        output, problems = _process_chunk(chunk, first_line, filename, args)
        for problem in problems:
            sys.stderr.write(problem + "\n")
        failed = failed or bool(problems)
        if output is not None:
            outputs.append(output)
    sys.stdout.write(f"{SPLIT_MARKER}\n".join(outputs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
