# Headless check of soundscape_client.gd against a running engine, for Godot 3 and Godot 4:
#
#     godot3-server -s tests/client_test.gd --path demos/godot          # Godot 3
#     godot --headless -s tests/client_test.gd --path demos/godot       # Godot 4
#
# Environment: SOUNDSCAPE_PORT (engine port, default 9000), SOUNDSCAPE_LISTEN_PORT (default
# 9001), SOUNDSCAPE_SECONDS (how long to listen, default 5), SOUNDSCAPE_CLIENT (the client
# script, default res://soundscape_client.gd).
#
# It sends a mood, a heart rate, a scene change and an event, then prints one line per thing
# the engine sends back (BEAT bar beat tempo, SCENE name, STINGER name, LEVELS n, STATS k=v...)
# and finally "DONE beats=N ...". Exit code 0 if beats came back, 1 if none did, 2 on errors.
extends SceneTree

var client = null
var elapsed = 0.0
var seconds = 5.0
var asked_stats = false
var finished = false
var beats = 0
var scenes = 0
var stingers = 0
var level_messages = 0


func _initialize():
	Engine.set("target_fps", 100)  # Godot 3: don't spin a core in the headless main loop
	Engine.set("max_fps", 100)  # Godot 4
	seconds = float(_env("SOUNDSCAPE_SECONDS", "5"))
	var client_script = load(_env("SOUNDSCAPE_CLIENT", "res://soundscape_client.gd"))
	if client_script == null:
		printerr("FAIL cannot load the client script")
		_finish(2)
		return
	client = client_script.new()
	client.engine_port = int(_env("SOUNDSCAPE_PORT", "9000"))
	client.listen_port = int(_env("SOUNDSCAPE_LISTEN_PORT", "9001"))
	root.add_child(client)
	var problem = _self_test()
	if problem != "":
		printerr("FAIL self-test: " + problem)
		_finish(2)
		return
	print("SELFTEST ok")
	_listen("beat", "_on_beat")
	_listen("scene_changed", "_on_scene_changed")
	_listen("stinger", "_on_stinger")
	_listen("levels", "_on_levels")
	_listen("stats", "_on_stats")
	var err = client.connect_engine()
	if err != OK:
		printerr("FAIL connect_engine: error %d" % err)
		_finish(2)
		return
	print("GODOT %d.%d" % [Engine.get_version_info()["major"], Engine.get_version_info()["minor"]])
	client.send_state("valence", 0.8)
	client.send_state("arousal", -0.5)
	client.send_state("heartrate", 72)
	client.change_scene("grove")
	client.fire_event("discovery", 0.7)
	print("SENT 5")


func _idle(delta):  # Godot 3's main-loop callback
	return _step(delta)


func _process(delta):  # Godot 4's
	return _step(delta)


func _step(delta):
	if finished:
		return true
	elapsed += delta
	if not asked_stats and elapsed >= seconds - 0.5:
		asked_stats = true
		client.request_stats()
	if elapsed >= seconds:
		print("DONE beats=%d scenes=%d stingers=%d levels=%d seconds=%.2f malformed=%d" % [
			beats, scenes, stingers, level_messages, elapsed, client.malformed_packets])
		_finish(0 if beats > 0 else 1)
	return false


func _finish(code):
	finished = true
	if client != null:
		client.close()
	quit(code)


func _listen(signal_name, method):
	# Signal connections differ: Godot 4 takes a Callable (get() on a script method returns
	# one), Godot 3 a target object and a method name.
	if Engine.get_version_info()["major"] >= 4:
		client.call("connect", signal_name, get(method))
	else:
		client.call("connect", signal_name, self, method)


func _self_test():
	# Encoding and decoding without an engine: a round trip of every type the client sends, and
	# a nested bundle of the types an engine may send (i, f, d, h, s, T, F). "" if all is well.
	var values = [7, -2.5, "grove", true, false, 5000000000]
	var got = client.decode_packet(client.encode_message("/x", values))
	if got == null or str(got) != str([["/x", values]]):
		return "round trip: %s" % str(got)
	var beat = _message("/engine/beat", ",iid", [3, 2, 90.5])
	var scene = _bundle([_message("/engine/scene", ",s", ["ruins"])])
	var mixed = _message("/m", ",hfsTF", [-5, 0.25, "ab", null, null])
	got = client.decode_packet(_bundle([beat, scene, mixed]))
	var want = [["/engine/beat", [3, 2, 90.5]], ["/engine/scene", ["ruins"]],
		["/m", [-5, 0.25, "ab", true, false]]]
	if got == null or str(got) != str(want):
		return "bundle: %s, not %s" % [str(got), str(want)]
	var cut = client._reader(beat)
	cut.seek(0)
	if client.decode_packet(cut.get_data(beat.size() - 4)[1]) != null:
		return "a truncated message was accepted"
	return ""


func _message(address, tags, args):
	# A message built by hand, so that the test can use types the client never sends.
	var buffer = client._buffer()
	client._put_string(buffer, address)
	client._put_string(buffer, tags)
	for i in range(args.size()):
		var tag = tags[i + 1]
		if tag == "i":
			buffer.put_32(args[i])
		elif tag == "h":
			buffer.put_64(args[i])
		elif tag == "f":
			buffer.put_float(args[i])
		elif tag == "d":
			buffer.put_double(args[i])
		elif tag == "s":
			client._put_string(buffer, args[i])
	return buffer.data_array


func _bundle(elements):
	var buffer = client._buffer()
	client._put_string(buffer, "#bundle")
	buffer.put_64(1)  # the time tag meaning "at once"
	for element in elements:
		buffer.put_32(element.size())
		buffer.put_data(element)
	return buffer.data_array


func _env(variable, default_value):
	var value = OS.get_environment(variable)
	return value if value != "" else default_value


func _on_beat(bar, beat_in_bar, tempo):
	beats += 1
	print("BEAT %d %d %.3f" % [bar, beat_in_bar, tempo])


func _on_scene_changed(scene_name):
	scenes += 1
	print("SCENE %s" % scene_name)


func _on_stinger(stinger_name):
	stingers += 1
	print("STINGER %s" % stinger_name)


func _on_levels(values):
	level_messages += 1
	if level_messages == 1:
		print("LEVELS %d" % values.size())


func _on_stats(values):
	var line = "STATS"
	for key in values:
		line += " %s=%s" % [key, str(values[key])]
	print(line)
