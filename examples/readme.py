import klik

world = klik.synthetic.generate(municipalities=3)
task = world.tasks[0]
print(len(world.tasks), "tasks; the first is", task.status.danish)

status = klik.TaskStatus.parse("Ikke påbegyndt")
assert status == klik.TaskStatus.NOT_STARTED and status.code == "not_started"
same = klik.Task.from_json(task.to_json())
assert same == task
