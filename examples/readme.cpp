#include <iostream>
#include <klik/klik.hpp>

int main() {
  klik::synthetic::Options options;
  options.municipalities = 3;  // a small world: København, Frederiksberg, Ballerup
  const klik::Dataset world = klik::synthetic::generate(options);
  const klik::Task& task = world.tasks.front();
  std::cout << world.tasks.size() << " tasks; the first is " << klik::danish(task.status) << " in "
            << world.municipalities.front().name << "\n";
}
