# Headless check of soundscape_client.gd against a running engine, for Godot 3 and Godot 4:
#
#     godot3-server -s tests/client_test.gd --path demos/godot          # Godot 3
#     godot --headless -s tests/client_test.gd --path demos/godot       # Godot 4
#
# Environment: SOUNDSCAPE_PORT (engine port, default 9000), SOUNDSCAPE_LISTEN_PORT (default
# 9001), SOUNDSCAPE_SECONDS (how long to listen, default 5), SOUNDSCAPE_CLIENT (the client
# script, default res://soundscape_client.gd).
#
# It checks the codec and the description parser on their own, then waits for the engine's
# description of its score (prints "DESCRIBE inputs=... scenes=... events=... stingers=..."),
# sends a mood, a heart rate, a movement above its range (clamped by the client), a scene change
# and an event, tries a scene, an event and an input the score lacks (refused by the client:
# "WARNING ...", "REFUSED 3"), then prints one line per thing the engine sends back (BEAT bar
# beat tempo, SCENE name, STINGER name, LEVELS n, STATS k=v...) and finally "DONE beats=N ...".
# Exit code 0 if beats came back, 1 if none did, 2 on errors.
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
var sent = false


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
	_listen("described", "_on_described")
	_listen("warning", "_on_warning")
	var err = client.connect_engine()
	if err != OK:
		printerr("FAIL connect_engine: error %d" % err)
		_finish(2)
		return
	print("GODOT %d.%d" % [Engine.get_version_info()["major"], Engine.get_version_info()["minor"]])


func _send_scenario():
	# Names and ranges from the description, not from the YAML: the movement goes out beyond
	# its maximum, and the client clamps it.
	sent = true
	var d = client.description
	var movement_max = d.inputs["movement"][1] if d.has_input("movement") else 0.0
	var codes = [
		client.send_state("valence", 0.8),
		client.send_state("arousal", -0.5),
		client.send_state("heartrate", 72),
		client.send_state("movement", movement_max + 0.5),
		client.change_scene("grove" if d.has_scene("grove") else ""),
		client.fire_event(d.events[0] if d.events.size() > 0 else "", 0.7)]
	var ok = 0
	for code in codes:
		if code == OK:
			ok += 1
	print("SENT %d" % ok)
	var refused = 0
	for code in [client.change_scene("nowhere"), client.fire_event("thunder"),
			client.send_state("wind", 0.5)]:
		if code == ERR_DOES_NOT_EXIST:
			refused += 1
	print("REFUSED %d" % refused)


func _idle(delta):  # Godot 3's main-loop callback
	return _step(delta)


func _process(delta):  # Godot 4's
	return _step(delta)


func _step(delta):
	if finished:
		return true
	elapsed += delta
	if not sent:
		if client.description != null:
			_send_scenario()
		elif elapsed >= 3.0:
			printerr("FAIL no reply to /engine/describe")
			_finish(2)
			return true
	if not asked_stats and elapsed >= seconds - 0.5:
		asked_stats = true
		client.request_stats()
	if elapsed >= seconds:
		print(("DONE beats=%d scenes=%d stingers=%d levels=%d seconds=%.2f malformed=%d"
			+ " clamped=%d describe_errors=%d") % [
			beats, scenes, stingers, level_messages, elapsed, client.malformed_packets,
			client.clamped_values, client.describe_errors])
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
	var tagged = client._buffer()  # a bundle stamped 2024-01-01T00:00:00.5Z
	client._put_string(tagged, "#bundle")
	tagged.put_u32(1704067200 + 2208988800)
	tagged.put_u32(2147483648)
	tagged.put_32(beat.size())
	tagged.put_data(beat)
	got = client.decode_packet_timed(tagged.data_array)
	if got == null or str(got) != str([["/engine/beat", [3, 2, 90.5], 1704067200.5]]):
		return "time tag: %s" % str(got)
	if str(client.decode_packet_timed(_bundle([beat]))[0][2]) != str(0.0):
		return "the time tag 1 is not 'at once'"
	var cut = client._reader(beat)
	cut.seek(0)
	if client.decode_packet(cut.get_data(beat.size() - 4)[1]) != null:
		return "a truncated message was accepted"
	return _description_test()


func _description_test():
	# The description parser on its own: a whole reply (ints where floats belong, which a sender
	# may use; an argument after the last section) and malformed ones, each refused with an
	# error message rather than a script error or a half-read description.
	var good = ["inputs", 2, "valence", -1.0, 1.0, 0.0, "heartrate", 40, 200, 70.5,
		"scenes", 2, "meadow", "grove", "events", 1, "discovery",
		"stingers", 1, "discovery", "discovery", "later", 0]
	var d = client.parse_description(good)
	if typeof(d) == TYPE_STRING:
		return "description: " + d
	# str() to compare: Godot 3 compares dictionaries by reference
	if str([d.input_names, d.inputs["heartrate"], d.scenes, d.events, d.stingers]) != str([
			["valence", "heartrate"], [40.0, 200.0, 70.5], ["meadow", "grove"], ["discovery"],
			{"discovery": "discovery"}]):
		return "description: " + d.summary()
	if d.clamp_input("heartrate", 250.0) != 200.0 or d.clamp_input("valence", 0.8) != 0.8 \
			or not d.has_scene("grove") \
			or d.has_event("grove") or d.has_input("wind"):
		return "description lookups"
	var bad = {
		"empty": [],
		"count overruns": ["inputs", 1, "valence", -1.0, 1.0],
		"negative count": ["inputs", -1],
		"huge count": ["inputs", 2147483647, "x"],
		"count a float": ["inputs", 0.5],
		"wrong section": ["scenes", 0],
		"name a number": ["inputs", 1, 3, -1.0, 1.0, 0.0],
		"range a string": ["inputs", 1, "v", "low", 1.0, 0.0],
		"min above max": ["inputs", 1, "v", 2.0, 1.0, 0.0],
		"nan": ["inputs", 1, "v", NAN, 1.0, 0.0],
		"missing stingers": ["inputs", 0, "scenes", 0, "events", 0],
		"stinger cut": ["inputs", 0, "scenes", 0, "events", 0, "stingers", 1, "boom"],
		"scene null": ["inputs", 0, "scenes", 1, null],
	}
	for case in bad:
		if typeof(client.parse_description(bad[case])) != TYPE_STRING:
			return "malformed description accepted: " + case
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
	if client.current_stamp > 0.0:  # stamped: fired at (after) its stamp, not on arrival
		# STAMPED fired-minus-stamp and stamp-minus-arrival, in ms
		print("STAMPED %.3f %.3f" % [(client.unix_time() - client.current_stamp) * 1000.0,
			(client.current_stamp - client.current_arrival) * 1000.0])


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


func _on_described(description):
	print("DESCRIBE " + description.summary())


func _on_warning(text):
	print("WARNING " + text)


func _on_stats(values):
	var line = "STATS"
	for key in values:
		line += " %s=%s" % [key, str(values[key])]
	print(line)
