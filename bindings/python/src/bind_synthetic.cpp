// klik.synthetic: the deterministic national dataset.
#include "bindings.hpp"
#include "casters.hpp"
#include "klik/synthetic.hpp"

void init_synthetic(py::module_& m) {
  auto s = m.def_submodule("synthetic", "Deterministic national datasets for tests, demos and benchmarks.");
  s.def(
      "generate",
      [](std::uint64_t seed, double scale, int municipalities, double participation, double local_task_share,
         bool content) {
        klik::synthetic::Options o;
        o.seed = seed;
        o.scale = scale;
        o.municipalities = municipalities;
        o.participation = participation;
        o.local_task_share = local_task_share;
        o.content = content;
        py::gil_scoped_release release;
        return klik::synthetic::generate(o);
      },
      py::arg("seed") = klik::synthetic::Options{}.seed, py::arg("scale") = 1.0, py::arg("municipalities") = 98,
      py::arg("participation") = 0.92, py::arg("local_task_share") = 0.02, py::arg("content") = true,
      "Generates a national dataset: same arguments, same data. scale=1.0 gives about 300,000 tasks; "
      "scale=3.5 about 1,000,000.");
}
