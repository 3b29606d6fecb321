# Soundscape client for Godot 3 and Godot 4: sends the player's state to the soundscape engine
# over OSC/UDP and turns the engine's feedback (beats, scene changes, stingers, levels) into
# signals. One file, no plugins: copy it into your project and add it as a node (or autoload).
#
#     var music = preload("res://soundscape_client.gd").new()
#     add_child(music)
#     music.connect_engine()
#     music.send_mood(0.6, -0.2)
#     music.change_scene("grove")
#
# The same source parses and runs on Godot 3.2+ and Godot 4.x: it uses no syntax that only one of
# them has, and where their APIs differ (PacketPeerUDP.bind/listen, byte-array helpers) it picks
# at run time. See docs/clients.md for the API and docs/osc.md for the protocol.
extends Node

# Fired on every beat; bar and beat count from 0, tempo in BPM.
signal beat(bar, beat_in_bar, tempo)
# Fired when a scene transition lands (on a bar line), with the new scene's name.
signal scene_changed(scene_name)
# Fired when a stinger plays.
signal stinger(stinger_name)
# Layer name -> gain (linear, 1.0 = unity), five times a second.
signal levels(values)
# Reply to request_stats(): counter name -> value.
signal stats(values)
# The reply to /engine/describe (asked by connect_engine), parsed into a Description: what the
# playing score offers. Also in `description` from then on.
signal described(description)
# Something the client refused to send (a scene, event or input the score lacks, once the
# description is known) or a description it could not read.
signal warning(text)
# Every message from the engine, parsed, including the ones above.
signal message_received(address, args)

# Stamped feedback (docs/osc.md, "Stamped feedback"): the engine sends beats, scene changes,
# stingers and keys ahead of time in bundles time-tagged with the moment the sound reaches the
# listener. With honour_time_tags on, such a message waits here and its signal fires in the
# first frame at or after its stamp; during the handler, current_stamp holds the stamp (Unix
# seconds, 0.0 for a message acted on at once) and current_arrival when it arrived, so a game
# can also schedule by the exact stamp itself (unix_time() is the same clock).
var honour_time_tags = true
var current_stamp = 0.0
var current_arrival = 0.0
# Messages waiting for their stamp, at most MAX_SCHEDULED (more fire at once, counted), and
# never more than MAX_WAIT seconds ahead (a stamp further out fires then).
const MAX_SCHEDULED = 256
const MAX_WAIT = 1.0
const _NTP_DELTA = 2208988800
var scheduled_overflow = 0
var _scheduled = []  # [stamp, address, args, arrival], earliest first

# No description section may claim more items than this (the engine's own limits are 64
# inputs, 64 scenes, 32 stingers): a larger count is an error, not an allocation.
const MAX_DESCRIBED_ITEMS = 256

const _FLOAT = 3  # TYPE_REAL in Godot 3, TYPE_FLOAT in Godot 4: the same number in both
const _INT32_MIN = -2147483648
const _INT32_MAX = 2147483647

# Where the engine listens.
var engine_host = "127.0.0.1"
var engine_port = 9000
# Where this client listens for the engine's feedback. 0 lets the OS choose a port; the engine
# then answers to the port our messages come from (the same socket), which works just as well.
var listen_port = 9001
# The local address the socket binds to: "*" receives from other machines too.
var listen_address = "127.0.0.1"
# While nothing has come back for this many seconds, subscribe again (the engine may have
# started after the game, or restarted). 0 turns this off.
var resubscribe_interval = 2.0
# Renew the subscription this often regardless: the engine ends subscriptions that are not
# renewed within 10 s (docs/osc.md). 0 turns this off (then feedback stops after 10 s).
var renew_interval = 3.0

# Datagrams received so far, and how many of them could not be parsed, for debugging overlays.
var packets_received = 0
var malformed_packets = 0
# Values moved into their input's declared range before sending, and replies to
# /engine/describe that could not be read.
var clamped_values = 0
var describe_errors = 0
# What the playing score offers (a Description, below); null until the engine has answered.
# Until then names and values go out unchecked (the engine clamps values and counts unknown
# names anyway).
var description = null


# What a score offers, from the reply to /engine/describe (docs/osc.md, "Discovery").
class Description:
	# name -> [min, max, default], and the names in the score's order.
	var inputs = {}
	var input_names = []
	# Scene names, the first being where the score starts; event names; stinger -> event.
	var scenes = []
	var events = []
	var stingers = {}
	var stinger_names = []

	func has_input(input_name):
		return inputs.has(input_name)

	func has_scene(scene_name):
		return scenes.has(scene_name)

	func has_event(event_name):
		return events.has(event_name)

	func clamp_input(input_name, value):
		# value moved into the input's range (NaN becomes its default).
		var r = inputs[input_name]
		if is_nan(value):
			return r[2]
		# not min/max: Godot 3's round to 32-bit floats, and 0.8 would come back as 0.800000011
		if value < r[0]:
			return r[0]
		if value > r[1]:
			return r[1]
		return value

	func summary():
		# One line for logs: inputs=valence:-1:1:0,... scenes=... events=... stingers=name:event
		var parts = []
		for input_name in input_names:
			var r = inputs[input_name]
			parts.append("%s:%s:%s:%s" % [input_name, str(r[0]), str(r[1]), str(r[2])])
		var stinger_parts = []
		for stinger_name in stinger_names:
			stinger_parts.append("%s:%s" % [stinger_name, stingers[stinger_name]])
		return "inputs=%s scenes=%s events=%s stingers=%s" % [
			_join(parts), _join(scenes), _join(events), _join(stinger_parts)]

	func _join(items):
		var out = ""
		for i in range(items.size()):
			out += ("," if i > 0 else "") + str(items[i])
		return out

var _udp = null
var _silence = 0.0
var _since_subscribe = 0.0


func connect_engine():
	# Open the socket and subscribe to the engine's feedback. Returns OK or an Error code.
	close()
	_udp = PacketPeerUDP.new()
	var err
	if _udp.has_method("bind"):
		err = _udp.call("bind", listen_port, listen_address)  # Godot 4
	else:
		err = _udp.call("listen", listen_port, listen_address)  # Godot 3
	if err != OK:
		push_error("soundscape: cannot listen on %s:%d (error %d)" % [
			listen_address, listen_port, err])
		_udp = null
		return err
	_silence = 0.0
	subscribe()
	request_description()
	return OK


func is_open():
	return _udp != null


func close():
	if _udp != null:
		send_message("/engine/unsubscribe", _subscribe_args())
		_udp.close()
		_udp = null


func subscribe():
	# Subscribing again renews the subscription; the engine counts it once.
	_since_subscribe = 0.0
	send_message("/engine/subscribe", _subscribe_args())


func request_description():
	# Ask what the score offers; the reply comes back as the described signal. connect_engine
	# asks once, and each resubscription asks again while no description has come.
	send_message("/engine/describe", _subscribe_args())


func send_state(input_name, value):
	# Once the description is known, the value is clamped to the input's range, and an input
	# the score does not declare is not sent (warning signal; returns ERR_DOES_NOT_EXIST).
	var v = float(value)
	if description != null:
		if not description.has_input(str(input_name)):
			return _refuse("input", input_name)
		v = _clamp(str(input_name), v)
	return send_message("/state/" + str(input_name), [v])


func send_mood(valence, arousal):
	var v = float(valence)
	var a = float(arousal)
	if description != null:
		if description.has_input("valence"):
			v = _clamp("valence", v)
		if description.has_input("arousal"):
			a = _clamp("arousal", a)
	return send_message("/state/mood", [v, a])


func change_scene(scene_name):
	# Once the description is known, a scene the score does not have is not sent (warning).
	if description != null and not description.has_scene(str(scene_name)):
		return _refuse("scene", scene_name)
	return send_message("/scene", [str(scene_name)])


func fire_event(event_name, intensity = 1.0):
	# Intensity 0..1 (clamped); once the description is known, an event the score does not
	# have is not sent (warning).
	if description != null and not description.has_event(str(event_name)):
		return _refuse("event", event_name)
	var i = float(intensity)
	var clamped = i
	if is_nan(i) or i > 1.0:
		clamped = 1.0
	elif i < 0.0:
		clamped = 0.0
	if clamped != i:
		clamped_values += 1
	return send_message("/event", [str(event_name), clamped])


func set_tempo(bpm):
	# Override the score's tempo; 0 hands it back to the score.
	send_message("/tempo", [float(bpm)])


func request_stats():
	# The engine replies with /engine/stats, emitted as the stats signal.
	send_message("/engine/stats", [])


func send_message(address, args = []):
	# Send one OSC message: ints go as i, floats as f, strings as s, bools as T/F.
	# Returns OK, or an Error code (the game goes on either way).
	if _udp == null:
		return ERR_UNCONFIGURED
	var packet = encode_message(address, args)
	_udp.set_dest_address(engine_host, engine_port)
	return _udp.put_packet(packet)


func poll():
	# Read every pending packet and emit signals for them (a stamped one when its time comes).
	# Called from _process.
	if _udp == null:
		return
	while _udp.get_available_packet_count() > 0:
		var packet = _udp.get_packet()
		packets_received += 1
		_silence = 0.0
		var messages = decode_packet_timed(packet)
		if messages == null:
			malformed_packets += 1
			continue
		var now = unix_time()
		for message in messages:
			if honour_time_tags and message[2] > now:
				# not min(): Godot 3's math functions round to 32-bit floats (256 s apart here)
				var due = message[2] if message[2] < now + MAX_WAIT else now + MAX_WAIT
				_schedule([due, message[0], message[1], now])
			else:
				_fire(message[0], message[1], message[2], now)
	fire_due()


func unix_time():
	# The wall clock the engine stamps with: seconds since 1970, as a float.
	if OS.has_method("get_system_time_msecs"):
		return OS.call("get_system_time_msecs") / 1000.0  # Godot 3
	return Engine.get_singleton("Time").call("get_unix_time_from_system")  # Godot 4


func fire_due():
	# Emit the signals of the scheduled messages whose stamp has come.
	var now = unix_time()
	while _scheduled.size() > 0 and _scheduled[0][0] <= now:
		var item = _scheduled.pop_front()
		_fire(item[1], item[2], item[0], item[3])


func _schedule(item):
	if _scheduled.size() >= MAX_SCHEDULED:
		scheduled_overflow += 1
		_fire(item[1], item[2], item[0], item[3])
		return
	var i = _scheduled.size()
	while i > 0 and _scheduled[i - 1][0] > item[0]:
		i -= 1
	_scheduled.insert(i, item)


func _fire(address, args, stamp, arrival):
	current_stamp = stamp
	current_arrival = arrival
	_dispatch(address, args)
	current_stamp = 0.0
	current_arrival = 0.0


func _process(delta):
	if _udp == null:
		return
	poll()  # fires what is due, too
	_silence += delta
	_since_subscribe += delta
	if resubscribe_interval > 0.0 and _silence >= resubscribe_interval:
		_silence = 0.0
		subscribe()
		if description == null:
			request_description()
	elif renew_interval > 0.0 and _since_subscribe >= renew_interval:
		subscribe()


func _exit_tree():
	close()


func _subscribe_args():
	if listen_port > 0:
		return [int(listen_port)]
	return []  # the engine answers to our socket's own port


func _dispatch(address, args):
	emit_signal("message_received", address, args)
	if address == "/engine/beat" and args.size() >= 3:
		emit_signal("beat", int(args[0]), int(args[1]), float(args[2]))
	elif address == "/engine/scene" and args.size() >= 1:
		emit_signal("scene_changed", str(args[0]))
	elif address == "/engine/stinger" and args.size() >= 1:
		emit_signal("stinger", str(args[0]))
	elif address == "/engine/levels":
		emit_signal("levels", _pairs(args))
	elif address == "/engine/stats":
		emit_signal("stats", _pairs(args))
	elif address == "/engine/describe":
		var parsed = parse_description(args)
		if typeof(parsed) == TYPE_STRING:
			describe_errors += 1
			_warn("cannot read /engine/describe: " + parsed)
		else:
			description = parsed
			emit_signal("described", parsed)


func parse_description(args):
	# The reply's arguments as a Description, or a String saying what is wrong with them. Four
	# sections, each its name, a count and the items: "inputs", n, (s, f, f, f) x n, "scenes",
	# m, s x m, "events", k, s x k, "stingers", j, (s, s) x j. Arguments after the last section
	# are ignored (room for more sections later). A missing or misnamed section, a count that is
	# negative, too large or longer than the arguments left, a wrong type, a range with min above
	# max: an error, never a half-read description.
	var out = Description.new()
	var pos = 0
	var sections = [["inputs", 4], ["scenes", 1], ["events", 1], ["stingers", 2]]
	for section in sections:
		if pos + 2 > args.size():
			return "the reply ends before section \"%s\"" % section[0]
		if typeof(args[pos]) != TYPE_STRING or args[pos] != section[0]:
			return "expected section \"%s\" at argument %d" % [section[0], pos]
		if typeof(args[pos + 1]) != TYPE_INT:
			return "%s: the count (argument %d) is not an integer" % [section[0], pos + 1]
		var count = args[pos + 1]
		pos += 2
		if count < 0 or count > MAX_DESCRIBED_ITEMS or count * section[1] > args.size() - pos:
			return "%s: count %d does not fit the %d arguments left" % [
				section[0], count, args.size() - pos]
		for _i in range(count):
			for k in range(section[1]):
				var want_number = section[0] == "inputs" and k > 0
				var kind = typeof(args[pos + k])
				if want_number and kind != TYPE_INT and kind != _FLOAT:
					return "argument %d is not a number" % (pos + k)
				if want_number and (is_nan(float(args[pos + k])) or is_inf(float(args[pos + k]))):
					return "argument %d is not finite" % (pos + k)
				if not want_number and kind != TYPE_STRING:
					return "argument %d is not a string" % (pos + k)
			var item_name = args[pos]
			if section[0] == "inputs":
				var r = [float(args[pos + 1]), float(args[pos + 2]), float(args[pos + 3])]
				if r[0] > r[1]:
					return "input %s: min %s above max %s" % [item_name, str(r[0]), str(r[1])]
				out.inputs[item_name] = r
				out.input_names.append(item_name)
			elif section[0] == "scenes":
				out.scenes.append(item_name)
			elif section[0] == "events":
				out.events.append(item_name)
			else:
				out.stingers[item_name] = args[pos + 1]
				out.stinger_names.append(item_name)
			pos += section[1]
	return out


func _clamp(input_name, value):
	var clamped = description.clamp_input(input_name, value)
	if clamped != value:
		clamped_values += 1
	return clamped


func _refuse(kind, item_name):
	_warn("the score has no %s \"%s\": not sent" % [kind, str(item_name)])
	return ERR_DOES_NOT_EXIST


func _warn(text):
	push_warning("soundscape: " + text)
	emit_signal("warning", text)


func _pairs(args):
	var out = {}
	var i = 0
	while i + 1 < args.size():
		out[str(args[i])] = args[i + 1]
		i += 2
	return out


# -- encoding ----------------------------------------------------------------------------------

func encode_message(address, args):
	var tags = ","
	var body = _buffer()
	for value in args:
		var kind = typeof(value)
		if kind == TYPE_BOOL:
			tags += "T" if value else "F"
		elif kind == TYPE_INT:
			if value < _INT32_MIN or value > _INT32_MAX:
				tags += "h"
				body.put_64(value)
			else:
				tags += "i"
				body.put_32(value)
		elif kind == _FLOAT:
			tags += "f"
			body.put_float(value)
		else:
			tags += "s"
			_put_string(body, str(value))
	var out = _buffer()
	_put_string(out, str(address))
	_put_string(out, tags)
	out.put_data(body.data_array)
	return out.data_array


func _buffer():
	var buffer = StreamPeerBuffer.new()
	buffer.big_endian = true
	return buffer


func _utf8(text):
	# The UTF-8 bytes of text, without naming either version's byte-array type or method:
	# put_utf8_string writes a 32-bit length and then the bytes.
	var buffer = _buffer()
	buffer.put_utf8_string(text)
	buffer.seek(0)
	var length = buffer.get_u32()
	return buffer.get_data(length)[1]


func _put_string(buffer, text):
	# An OSC string: UTF-8, NUL-terminated, padded with NULs to a multiple of 4 bytes.
	var data = _utf8(text)
	buffer.put_data(data)
	var pad = 4 - data.size() % 4
	for _i in range(pad):
		buffer.put_u8(0)


# -- decoding ----------------------------------------------------------------------------------

func decode_packet(packet):
	# The messages in one datagram, a message or a bundle (nested bundles too), as an Array of
	# [address, args]; null if the datagram is malformed (decode_packet_timed keeps the tags).
	var timed = decode_packet_timed(packet)
	if timed == null:
		return null
	var messages = []
	for message in timed:
		messages.append([message[0], message[1]])
	return messages


func decode_packet_timed(packet):
	# As decode_packet, each message as [address, args, stamp]: its bundle's time tag in Unix
	# seconds, 0.0 for "immediately" (a bare message, or a tag of 1 or before 1970).
	var messages = []
	if not _parse_packet(_reader(packet), packet, 0, packet.size(), messages, 0.0):
		return null
	return messages


func _parse_packet(reader, packet, start, end, messages, stamp):
	if end - start < 4 or (end - start) % 4 != 0:
		return false
	if packet[start] != 35:  # not '#': a message
		var message = _parse_message(reader, packet, start, end)
		if message == null:
			return false
		message.append(stamp)
		messages.append(message)
		return true
	var header = _read_string(reader, packet, start, end)
	if header == null or header[0] != "#bundle" or header[1] + 8 > end:
		return false
	reader.seek(header[1])
	var seconds = reader.get_u32()
	var fraction = reader.get_u32()
	if seconds > _NTP_DELTA:
		stamp = seconds - _NTP_DELTA + fraction / 4294967296.0
	else:
		stamp = 0.0
	var pos = header[1] + 8  # after the time tag
	while pos < end:
		if pos + 4 > end:
			return false
		reader.seek(pos)
		var size = reader.get_32()
		pos += 4
		if size < 0 or pos + size > end:
			return false
		if not _parse_packet(reader, packet, pos, pos + size, messages, stamp):
			return false
		pos += size
	return true


func _parse_message(reader, packet, start, end):
	var address = _read_string(reader, packet, start, end)
	if address == null or not address[0].begins_with("/"):
		return null
	var args = []
	if address[1] >= end:
		return [address[0], args]  # no type tag string: an old-style message without arguments
	var tags = _read_string(reader, packet, address[1], end)
	if tags == null or not tags[0].begins_with(","):
		return null
	var pos = tags[1]
	for i in range(1, tags[0].length()):
		var tag = tags[0][i]
		if tag == "i" or tag == "f" or tag == "c" or tag == "r" or tag == "m":
			if pos + 4 > end:
				return null
			reader.seek(pos)
			args.append(reader.get_float() if tag == "f" else reader.get_32())
			pos += 4
		elif tag == "h" or tag == "d" or tag == "t":
			if pos + 8 > end:
				return null
			reader.seek(pos)
			args.append(reader.get_double() if tag == "d" else reader.get_64())
			pos += 8
		elif tag == "s" or tag == "S":
			var text = _read_string(reader, packet, pos, end)
			if text == null:
				return null
			args.append(text[0])
			pos = text[1]
		elif tag == "b":
			if pos + 4 > end:
				return null
			reader.seek(pos)
			var size = reader.get_32()
			if size < 0 or pos + 4 + size > end:
				return null
			args.append(reader.get_data(size)[1])
			pos += 4 + size + (4 - size % 4) % 4
		elif tag == "T":
			args.append(true)
		elif tag == "F":
			args.append(false)
		elif tag == "N" or tag == "I":
			args.append(null)
		else:
			return null  # an unknown type: its size is unknown, so the rest cannot be read
	return [address[0], args]


func _read_string(reader, packet, start, end):
	# [text, position after its NUL padding], or null if no NUL comes before end.
	var stop = start
	while stop < end and packet[stop] != 0:
		stop += 1
	if stop >= end:
		return null
	var text = ""
	if stop > start:
		reader.seek(start)
		text = reader.get_data(stop - start)[1].get_string_from_utf8()
	var length = stop - start
	return [text, start + length + 4 - length % 4]


func _reader(packet):
	var reader = _buffer()
	reader.data_array = packet
	return reader
