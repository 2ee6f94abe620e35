"""Build minembed's one compiled kernel, minembed._topk (csrc/topk.pyx).

-O3 always, and no fused multiply-add the source does not write
(-ffp-contract=off: equal rows must score equally wherever they sit). OpenMP
when the compiler accepts -fopenmp (gcc and clang with libomp do); otherwise a
serial build, which `minembed.vectors.topk.BACKEND` reports as "cython". Set
MINEMBED_NO_OPENMP=1 to force the serial build, and MINEMBED_NATIVE=0 to build
without -march=native (for a wheel that must run on other CPUs).
"""

import os
import shutil
import subprocess
import sys
import tempfile

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


def compiler_accepts(flags: list[str]) -> bool:
    """Try compiling and linking a tiny OpenMP program with these flags."""
    compiler = os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        return False
    source = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "probe.c")
        with open(path, "w") as handle:
            handle.write(source if "-fopenmp" in flags else "int main(void) { return 0; }\n")
        result = subprocess.run(
            [compiler, path, "-o", os.path.join(folder, "probe"), *flags],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return result.returncode == 0


class BuildExt(build_ext):
    def build_extensions(self):
        compile_args = ["-O3"]
        link_args = []
        # No fused multiply-adds unless written: with FMA on the CPU (-march=native), GCC contracts a * b + c
        # where it sees fit, differently in the four-row scan than in the one-row tail, and equal rows then
        # score unequally (tests/test_topk.py's tie test failed so on an AMD EPYC with AVX2 and FMA).
        if compiler_accepts(["-ffp-contract=off"]):
            compile_args.append("-ffp-contract=off")
        if os.environ.get("MINEMBED_NATIVE", "1") != "0" and compiler_accepts(["-march=native"]):
            compile_args.append("-march=native")
        if os.environ.get("MINEMBED_NO_OPENMP") != "1" and compiler_accepts(["-fopenmp"]):
            compile_args.append("-fopenmp")
            link_args.append("-fopenmp")
            print("minembed: building _topk with OpenMP", file=sys.stderr)
        else:
            if compiler_accepts(["-fopenmp-simd"]):
                compile_args.append("-fopenmp-simd")  # keep the vectorised reductions
            print("minembed: building _topk without OpenMP (serial)", file=sys.stderr)
        for extension in self.extensions:
            extension.extra_compile_args = compile_args
            extension.extra_link_args = link_args
        super().build_extensions()


extensions = [
    Extension(
        "minembed._topk",
        ["csrc/topk.pyx"],
        depends=["csrc/topk_helpers.h"],
        include_dirs=["csrc", numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
]

setup(
    ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
    cmdclass={"build_ext": BuildExt},
)
