// Soundscape client for C# (Unity, or any .NET): sends the player's state to the soundscape
// engine over OSC/UDP and raises events for the engine's feedback (beats, scene changes,
// stingers, levels, stats). Plain .NET, no UnityEngine reference and no threads: call Poll()
// once a frame (SoundscapeClient.cs does it from Update) and the events are raised on the
// calling thread, so handlers may touch the scene directly.
//
//     var osc = new SoundscapeOsc("127.0.0.1", 9000, 9001);
//     osc.Beat += (bar, beat, tempo) => Console.WriteLine($"beat {bar}.{beat} at {tempo} BPM");
//     osc.Connect();                       // binds the listen port and subscribes
//     osc.SendMood(0.6f, -0.2f);
//     osc.ChangeScene("grove");
//     while (playing) { osc.Poll(); ... }
//     osc.Dispose();
//
// Sends never throw: a send while the engine is not running is simply lost (UDP), and counted
// in SendErrors if the OS reports it. See docs/clients.md and docs/osc.md.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Soundscape
{
    /// <summary>One OSC message: an address and its arguments (int, long, float, double,
    /// string, bool, byte[] or null).</summary>
    public sealed class OscMessage
    {
        public readonly string Address;
        public readonly object[] Args;
        /// <summary>Its bundle's time tag in Unix seconds; 0 for "at once" (a bare message, a
        /// tag of 1 or one before 1970).</summary>
        public double Stamp;

        public OscMessage(string address, params object[] args)
        {
            Address = address;
            Args = args ?? new object[0];
        }

        public override string ToString()
        {
            var text = new StringBuilder(Address);
            foreach (var arg in Args)
                text.Append(' ').Append(arg == null ? "nil" : Convert.ToString(arg,
                    System.Globalization.CultureInfo.InvariantCulture));
            return text.ToString();
        }
    }

    /// <summary>OSC 1.0 encoding and decoding (big-endian, 4-byte aligned).</summary>
    public static class OscCodec
    {
        /// <summary>A message as bytes: int as i, long as h, float as f, double as d, string
        /// as s, bool as T/F, byte[] as b, null as N.</summary>
        public static byte[] Encode(string address, params object[] args)
        {
            if (address == null || !address.StartsWith("/", StringComparison.Ordinal))
                throw new ArgumentException("an OSC address starts with '/'", "address");
            args = args ?? new object[0];
            var tags = new StringBuilder(",");
            var body = new MemoryStream();
            foreach (var arg in args)
            {
                if (arg is int) { tags.Append('i'); WriteInt32(body, (int)arg); }
                else if (arg is float) { tags.Append('f'); WriteFloat(body, (float)arg); }
                else if (arg is string) { tags.Append('s'); WriteString(body, (string)arg); }
                else if (arg is bool) tags.Append((bool)arg ? 'T' : 'F');
                else if (arg is double)
                {
                    tags.Append('d');
                    WriteInt64(body, BitConverter.DoubleToInt64Bits((double)arg));
                }
                else if (arg is long) { tags.Append('h'); WriteInt64(body, (long)arg); }
                else if (arg is short || arg is byte || arg is sbyte || arg is ushort)
                {
                    tags.Append('i');
                    WriteInt32(body, Convert.ToInt32(arg));
                }
                else if (arg is byte[])
                {
                    var blob = (byte[])arg;
                    tags.Append('b');
                    WriteInt32(body, blob.Length);
                    body.Write(blob, 0, blob.Length);
                    Pad(body, blob.Length);
                }
                else if (arg == null) tags.Append('N');
                else
                    throw new ArgumentException("OSC cannot send a " + arg.GetType().Name, "args");
            }
            var packet = new MemoryStream();
            WriteString(packet, address);
            WriteString(packet, tags.ToString());
            body.WriteTo(packet);
            return packet.ToArray();
        }

        /// <summary>The messages in one datagram (a message or a bundle, nested bundles too),
        /// or null if it is malformed; each keeps its bundle's time tag in Stamp.</summary>
        public static List<OscMessage> Decode(byte[] data, int length)
        {
            var messages = new List<OscMessage>();
            return ParsePacket(data, 0, Math.Min(length, data.Length), messages, 0.0)
                ? messages : null;
        }

        const long NtpDelta = 2208988800L;

        /// <summary>An OSC time tag (NTP seconds and fraction) in Unix seconds; 0 for "at
        /// once".</summary>
        public static double TimeTag(byte[] data, int pos)
        {
            long seconds = (uint)ReadInt32(data, pos);
            long fraction = (uint)ReadInt32(data, pos + 4);
            if (seconds <= NtpDelta) return 0.0;
            return (seconds - NtpDelta) + fraction / 4294967296.0;
        }

        /// <summary>The wall clock the engine stamps with: Unix seconds.</summary>
        public static double UnixNow()
        {
            return (DateTime.UtcNow - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc))
                .TotalSeconds;
        }

        public static List<OscMessage> Decode(byte[] data)
        {
            return Decode(data, data.Length);
        }

        static bool ParsePacket(
            byte[] data, int start, int end, List<OscMessage> messages, double stamp)
        {
            if (end - start < 4 || (end - start) % 4 != 0) return false;
            if (data[start] != (byte)'#')
            {
                var message = ParseMessage(data, start, end);
                if (message == null) return false;
                message.Stamp = stamp;
                messages.Add(message);
                return true;
            }
            int pos;
            var header = ReadString(data, start, end, out pos);
            if (header != "#bundle" || pos + 8 > end) return false;
            stamp = TimeTag(data, pos);
            pos += 8;  // the time tag
            while (pos < end)
            {
                if (pos + 4 > end) return false;
                int size = ReadInt32(data, pos);
                pos += 4;
                if (size < 0 || size > end - pos) return false;
                if (!ParsePacket(data, pos, pos + size, messages, stamp)) return false;
                pos += size;
            }
            return true;
        }

        static OscMessage ParseMessage(byte[] data, int start, int end)
        {
            int pos;
            var address = ReadString(data, start, end, out pos);
            if (address == null || !address.StartsWith("/", StringComparison.Ordinal)) return null;
            if (pos >= end) return new OscMessage(address);  // no type tags: no arguments
            var tags = ReadString(data, pos, end, out pos);
            if (tags == null || !tags.StartsWith(",", StringComparison.Ordinal)) return null;
            var args = new List<object>();
            for (int i = 1; i < tags.Length; i++)
            {
                char tag = tags[i];
                switch (tag)
                {
                    case 'i': case 'c': case 'r': case 'm': case 'f':
                        if (pos + 4 > end) return null;
                        int bits = ReadInt32(data, pos);
                        if (tag == 'f')
                            args.Add(BitConverter.ToSingle(BitConverter.GetBytes(bits), 0));
                        else
                            args.Add(bits);
                        pos += 4;
                        break;
                    case 'h': case 't': case 'd':
                        if (pos + 8 > end) return null;
                        long wide = ReadInt64(data, pos);
                        if (tag == 'd') args.Add(BitConverter.Int64BitsToDouble(wide));
                        else args.Add(wide);
                        pos += 8;
                        break;
                    case 's': case 'S':
                        var text = ReadString(data, pos, end, out pos);
                        if (text == null) return null;
                        args.Add(text);
                        break;
                    case 'b':
                        if (pos + 4 > end) return null;
                        int size = ReadInt32(data, pos);
                        pos += 4;
                        if (size < 0 || size > end - pos) return null;
                        var blob = new byte[size];
                        Array.Copy(data, pos, blob, 0, size);
                        args.Add(blob);
                        pos += (size + 3) & ~3;
                        break;
                    case 'T': args.Add(true); break;
                    case 'F': args.Add(false); break;
                    case 'N': case 'I': args.Add(null); break;
                    default: return null;  // unknown size: the rest cannot be read
                }
            }
            return new OscMessage(address, args.ToArray());
        }

        static string ReadString(byte[] data, int start, int end, out int next)
        {
            int stop = start;
            while (stop < end && data[stop] != 0) stop++;
            next = start + ((stop - start) / 4 + 1) * 4;
            if (stop >= end || next > end) return null;
            return Encoding.UTF8.GetString(data, start, stop - start);
        }

        static int ReadInt32(byte[] data, int pos)
        {
            return (data[pos] << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3];
        }

        static long ReadInt64(byte[] data, int pos)
        {
            return ((long)ReadInt32(data, pos) << 32) | (uint)ReadInt32(data, pos + 4);
        }

        static void WriteInt32(Stream stream, int value)
        {
            stream.WriteByte((byte)(value >> 24));
            stream.WriteByte((byte)(value >> 16));
            stream.WriteByte((byte)(value >> 8));
            stream.WriteByte((byte)value);
        }

        static void WriteInt64(Stream stream, long value)
        {
            WriteInt32(stream, (int)(value >> 32));
            WriteInt32(stream, (int)value);
        }

        static void WriteFloat(Stream stream, float value)
        {
            WriteInt32(stream, BitConverter.ToInt32(BitConverter.GetBytes(value), 0));
        }

        static void WriteString(Stream stream, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
            stream.WriteByte(0);
            Pad(stream, bytes.Length + 1);
        }

        static void Pad(Stream stream, int written)
        {
            for (int pad = (4 - written % 4) % 4; pad > 0; pad--) stream.WriteByte(0);
        }
    }

    /// <summary>One input the score declares: its range and default (docs/osc.md, "Discovery").
    /// </summary>
    public sealed class InputRange
    {
        public readonly string Name;
        public readonly float Min, Max, Default;

        public InputRange(string name, float min, float max, float defaultValue)
        {
            Name = name;
            Min = min;
            Max = max;
            Default = defaultValue;
        }

        /// <summary>The value moved into [Min, Max] (NaN becomes the default).</summary>
        public float Clamp(float value)
        {
            if (float.IsNaN(value)) return Default;
            return value < Min ? Min : value > Max ? Max : value;
        }
    }

    /// <summary>What the playing score offers, read from the engine's reply to
    /// /engine/describe: inputs with ranges and defaults, scenes (the first is where the score
    /// starts), events, and stingers with the event that fires each.</summary>
    public sealed class ScoreDescription
    {
        /// <summary>No section may claim more items than this (the engine's own limits are 64
        /// inputs, 64 scenes, 32 stingers): a larger count is an error, not an allocation.
        /// </summary>
        public const int MaxItems = 256;

        public readonly List<InputRange> Inputs = new List<InputRange>();
        public readonly List<string> Scenes = new List<string>();
        public readonly List<string> Events = new List<string>();
        /// <summary>Stinger name to the event that fires it, in the score's order.</summary>
        public readonly List<KeyValuePair<string, string>> Stingers =
            new List<KeyValuePair<string, string>>();

        public InputRange Input(string name)
        {
            foreach (var input in Inputs) if (input.Name == name) return input;
            return null;
        }
        public bool HasScene(string name) { return Scenes.Contains(name); }
        public bool HasEvent(string name) { return Events.Contains(name); }

        /// <summary>Reads the reply's arguments: four sections, each its name, a count and the
        /// items ("inputs", n, (s, f, f, f) × n, "scenes", m, s × m, "events", k, s × k,
        /// "stingers", j, (s, s) × j). Arguments after the last section are ignored (room for
        /// more sections later). Null and an error message if anything is off: a missing or
        /// misnamed section, a count that is negative, over MaxItems or longer than the
        /// arguments left, a wrong type, a range with min above max. Never throws.</summary>
        public static ScoreDescription Parse(object[] args, out string error)
        {
            error = null;
            var description = new ScoreDescription();
            var reader = new Reader(args ?? new object[0]);
            int count;
            if ((count = reader.Section("inputs", 4)) < 0) { error = reader.Error; return null; }
            for (int i = 0; i < count; i++)
            {
                string name = reader.Text();
                float min = reader.Number(), max = reader.Number(), fallback = reader.Number();
                if (reader.Error == null && !(min <= max))
                    reader.Error = "input " + name + ": min " + min + " above max " + max;
                if (reader.Error != null) { error = reader.Error; return null; }
                description.Inputs.Add(new InputRange(name, min, max, fallback));
            }
            foreach (var list in new[] { description.Scenes, description.Events })
            {
                string section = list == description.Scenes ? "scenes" : "events";
                if ((count = reader.Section(section, 1)) < 0) { error = reader.Error; return null; }
                for (int i = 0; i < count; i++) list.Add(reader.Text());
            }
            if ((count = reader.Section("stingers", 2)) < 0) { error = reader.Error; return null; }
            for (int i = 0; i < count; i++)
            {
                string name = reader.Text();
                description.Stingers.Add(new KeyValuePair<string, string>(name, reader.Text()));
            }
            error = reader.Error;
            return error == null ? description : null;
        }

        /// <summary>One line for logs: "inputs=valence:-1:1:0,... scenes=meadow,grove
        /// events=discovery stingers=discovery:discovery".</summary>
        public override string ToString()
        {
            var culture = System.Globalization.CultureInfo.InvariantCulture;
            var inputs = new List<string>();
            foreach (var input in Inputs)
                inputs.Add(string.Format(culture, "{0}:{1}:{2}:{3}", input.Name, input.Min,
                                         input.Max, input.Default));
            var stingers = new List<string>();
            foreach (var pair in Stingers) stingers.Add(pair.Key + ":" + pair.Value);
            return "inputs=" + string.Join(",", inputs) + " scenes=" + string.Join(",", Scenes)
                + " events=" + string.Join(",", Events) + " stingers=" + string.Join(",", stingers);
        }

        /// <summary>Walks the arguments; the first problem sticks in Error and every later read
        /// returns a harmless value.</summary>
        sealed class Reader
        {
            readonly object[] args;
            int pos;
            public string Error;

            public Reader(object[] args) { this.args = args; }

            /// <summary>The section's count, or -1 (and Error) if it is not there or cannot hold.
            /// </summary>
            public int Section(string name, int width)
            {
                if (Error != null) return -1;
                if (Text() != name)
                {
                    Error = Error ?? "expected section \"" + name + "\" at argument " + (pos - 1);
                    return -1;
                }
                int at = pos;
                object value = Next();
                if (Error != null) return -1;
                if (!(value is int) && !(value is long))
                {
                    Error = name + ": the count (argument " + at + ") is not an integer";
                    return -1;
                }
                long count = Convert.ToInt64(value);
                if (count < 0 || count > MaxItems || count * width > args.Length - pos)
                {
                    Error = name + ": count " + count + " does not fit the "
                        + (args.Length - pos) + " arguments left";
                    return -1;
                }
                return (int)count;
            }

            public string Text()
            {
                int at = pos;
                object value = Next();
                if (Error == null && !(value is string))
                    Error = "argument " + at + " is not a string";
                return Error == null ? (string)value : "";
            }

            public float Number()
            {
                int at = pos;
                object value = Next();
                if (Error != null) return 0f;
                if (!(value is float || value is double || value is int || value is long))
                {
                    Error = "argument " + at + " is not a number";
                    return 0f;
                }
                float number = Convert.ToSingle(value);
                if (float.IsNaN(number) || float.IsInfinity(number))
                {
                    Error = "argument " + at + " is not finite";
                    return 0f;
                }
                return number;
            }

            object Next()
            {
                if (Error != null) return null;
                if (pos >= args.Length)
                {
                    Error = "the reply ends at argument " + pos;
                    return null;
                }
                return args[pos++];
            }
        }
    }

    /// <summary>The engine's OSC protocol over UDP: one socket sends to the engine and receives
    /// its feedback. Not thread-safe: use it from one thread (Unity's main thread).</summary>
    public sealed class SoundscapeOsc : IDisposable
    {
        /// <summary>Every beat: bar and beat (both from 0) and the tempo in BPM.</summary>
        public event Action<int, int, float> Beat;
        /// <summary>A scene transition landed (on a bar line); also sent once on subscribing.
        /// </summary>
        public event Action<string> SceneChanged;
        /// <summary>A stinger played.</summary>
        public event Action<string> Stinger;
        /// <summary>Layer name to gain (linear, 1.0 = unity), five times a second.</summary>
        public event Action<Dictionary<string, float>> Levels;
        /// <summary>The reply to RequestStats(): counter name to value.</summary>
        public event Action<Dictionary<string, long>> Stats;
        /// <summary>The reply to /engine/describe (asked on Connect), parsed: what the score
        /// offers. Also in Description from then on.</summary>
        public event Action<ScoreDescription> Described;
        /// <summary>Something the client refused to send, or a reply it could not read: an
        /// unknown scene, event or input (once the description is known), a malformed
        /// description.</summary>
        public event Action<string> Warning;
        /// <summary>Every message from the engine, the ones above included.</summary>
        public event Action<OscMessage> MessageReceived;

        /// <summary>Stamped feedback (docs/osc.md): a message in a bundle time-tagged in the
        /// future waits and its event is raised by the first Poll() at or after its stamp.
        /// During a handler CurrentStamp is that stamp (Unix seconds; 0 for a message acted on
        /// at once) and CurrentArrival when it arrived.</summary>
        public bool HonourTimeTags = true;
        public double CurrentStamp { get; private set; }
        public double CurrentArrival { get; private set; }
        /// <summary>Messages that found the schedule full (MaxScheduled) and were raised at
        /// once; a stamp more than MaxWait seconds ahead is raised then.</summary>
        public int ScheduledOverflow { get; private set; }
        public const int MaxScheduled = 256;
        public const double MaxWait = 1.0;
        readonly List<KeyValuePair<double, KeyValuePair<double, OscMessage>>> scheduled =
            new List<KeyValuePair<double, KeyValuePair<double, OscMessage>>>();

        public readonly string Host;
        public readonly int Port;
        /// <summary>The UDP port feedback comes to; 0 lets the OS choose (the engine then
        /// answers to the port our messages come from, the same socket).</summary>
        public readonly int ListenPort;
        /// <summary>The local address to bind: "0.0.0.0" to hear an engine on another machine.
        /// </summary>
        public string ListenAddress = "127.0.0.1";
        /// <summary>While nothing has come back for this many seconds, subscribe again (the
        /// engine may have started after the game, or restarted). 0 turns this off.</summary>
        public double ResubscribeInterval = 2.0;
        /// <summary>Renew the subscription this often regardless: the engine ends subscriptions
        /// not renewed within 10 s (docs/osc.md). 0 turns this off.</summary>
        public double RenewInterval = 3.0;

        public int PacketsReceived { get; private set; }
        public int MalformedPackets { get; private set; }
        public int SendErrors { get; private set; }
        /// <summary>Values moved into their input's declared range before sending.</summary>
        public int ClampedValues { get; private set; }
        /// <summary>Replies to /engine/describe that could not be read.</summary>
        public int DescribeErrors { get; private set; }
        /// <summary>What the playing score offers (inputs with ranges, scenes, events,
        /// stingers); null until the engine has answered /engine/describe. Until then the
        /// client sends names and values unchecked (the engine clamps values and counts
        /// unknown names anyway).</summary>
        public ScoreDescription Description { get; private set; }
        public string LastError { get; private set; }
        public bool IsOpen { get { return udp != null; } }

        UdpClient udp;
        IPEndPoint engine;
        readonly Stopwatch silence = new Stopwatch();
        readonly Stopwatch sinceSubscribe = new Stopwatch();

        public SoundscapeOsc(string host = "127.0.0.1", int port = 9000, int listenPort = 9001)
        {
            Host = host;
            Port = port;
            ListenPort = listenPort;
        }

        /// <summary>Bind the listen port and subscribe. False (and LastError) if the port is
        /// taken or the host unknown; nothing is thrown.</summary>
        public bool Connect()
        {
            Close();
            try
            {
                engine = new IPEndPoint(Resolve(Host), Port);
                udp = new UdpClient(new IPEndPoint(IPAddress.Parse(ListenAddress), ListenPort));
                IgnoreConnectionResets(udp.Client);
            }
            catch (Exception e) when (e is SocketException || e is FormatException
                                      || e is ArgumentException)
            {
                LastError = "cannot open " + ListenAddress + ":" + ListenPort + ": " + e.Message;
                Close();
                return false;
            }
            silence.Restart();
            Subscribe();
            RequestDescription();
            return true;
        }

        /// <summary>Ask what the score offers; the reply comes back as the Described event
        /// (and Description). Connect() asks once, and Poll() asks again with each resubscription
        /// while no description has come.</summary>
        public bool RequestDescription() { return Send("/engine/describe", SubscribeArgs()); }

        /// <summary>Subscribe, or renew the subscription (the engine counts it once).</summary>
        public bool Subscribe()
        {
            sinceSubscribe.Restart();
            return Send("/engine/subscribe", SubscribeArgs());
        }
        public bool Unsubscribe() { return Send("/engine/unsubscribe", SubscribeArgs()); }

        /// <summary>Set an input. Once the description is known, the value is clamped to the
        /// input's range, and an input the score does not declare is not sent (Warning).
        /// </summary>
        public bool SendState(string input, float value)
        {
            if (Description != null)
            {
                var range = Description.Input(input);
                if (range == null) return Refuse("input", input);
                value = Clamp(range, value);
            }
            return Send("/state/" + input, value);
        }
        public bool SendMood(float valence, float arousal)
        {
            if (Description != null)
            {
                var v = Description.Input("valence");
                var a = Description.Input("arousal");
                if (v != null) valence = Clamp(v, valence);
                if (a != null) arousal = Clamp(a, arousal);
            }
            return Send("/state/mood", valence, arousal);
        }
        /// <summary>Change scene; once the description is known, a scene the score does not
        /// have is not sent (Warning).</summary>
        public bool ChangeScene(string scene)
        {
            if (Description != null && !Description.HasScene(scene)) return Refuse("scene", scene);
            return Send("/scene", scene);
        }
        /// <summary>Fire an event (intensity 0..1, clamped); once the description is known, an
        /// event the score does not have is not sent (Warning).</summary>
        public bool FireEvent(string name, float intensity = 1f)
        {
            if (Description != null && !Description.HasEvent(name)) return Refuse("event", name);
            return Send("/event", name, Clamp(Intensity, intensity));
        }
        /// <summary>Override the score's tempo; 0 hands it back to the score.</summary>
        public bool SetTempo(float bpm) { return Send("/tempo", bpm); }
        public bool SetSeed(int seed) { return Send("/seed", seed); }
        /// <summary>Ask for the engine's counters; they come back as the Stats event.</summary>
        public bool RequestStats() { return Send("/engine/stats"); }

        /// <summary>Send one message (see OscCodec.Encode for the types). True if it was handed
        /// to the OS; false if the client is closed or the OS refused it. Never throws for
        /// network reasons.</summary>
        public bool Send(string address, params object[] args)
        {
            if (udp == null) return false;
            var packet = OscCodec.Encode(address, args);
            try
            {
                udp.Send(packet, packet.Length, engine);
                return true;
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                SendErrors++;
                LastError = e.Message;
                return false;
            }
        }

        /// <summary>Read every pending datagram and raise the events, on this thread. Returns
        /// the number of messages handled.</summary>
        public int Poll()
        {
            if (udp == null) return 0;
            int handled = 0;
            var from = new IPEndPoint(IPAddress.Any, 0);
            while (true)
            {
                byte[] data;
                try
                {
                    if (udp.Available <= 0) break;
                    data = udp.Receive(ref from);
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                {
                    LastError = e.Message;  // e.g. Windows reporting an earlier send's ICMP
                    break;
                }
                PacketsReceived++;
                silence.Restart();
                var messages = OscCodec.Decode(data);
                if (messages == null)
                {
                    MalformedPackets++;
                    continue;
                }
                double now = OscCodec.UnixNow();
                foreach (var message in messages)
                {
                    if (HonourTimeTags && message.Stamp > now)
                    {
                        Schedule(Math.Min(message.Stamp, now + MaxWait), now, message);
                        continue;
                    }
                    Fire(message, message.Stamp, now);
                    handled++;
                }
            }
            handled += FireDue();
            if (ResubscribeInterval > 0 && silence.Elapsed.TotalSeconds >= ResubscribeInterval)
            {
                silence.Restart();
                Subscribe();
                if (Description == null) RequestDescription();
            }
            else if (RenewInterval > 0 && sinceSubscribe.Elapsed.TotalSeconds >= RenewInterval)
                Subscribe();
            return handled;
        }

        /// <summary>Unsubscribe and close the socket; Connect() opens it again.</summary>
        public void Close()
        {
            if (udp == null) return;
            Unsubscribe();
            udp.Close();
            udp = null;
        }

        public void Dispose() { Close(); }

        void Schedule(double due, double arrival, OscMessage message)
        {
            if (scheduled.Count >= MaxScheduled)
            {
                ScheduledOverflow++;
                Fire(message, message.Stamp, arrival);
                return;
            }
            int i = scheduled.Count;
            while (i > 0 && scheduled[i - 1].Key > due) i--;
            scheduled.Insert(i, new KeyValuePair<double, KeyValuePair<double, OscMessage>>(
                due, new KeyValuePair<double, OscMessage>(arrival, message)));
        }

        /// <summary>Raise the events of scheduled messages whose stamp has come.</summary>
        int FireDue()
        {
            int fired = 0;
            double now = OscCodec.UnixNow();
            while (scheduled.Count > 0 && scheduled[0].Key <= now)
            {
                var item = scheduled[0];
                scheduled.RemoveAt(0);
                Fire(item.Value.Value, item.Value.Value.Stamp, item.Value.Key);
                fired++;
            }
            return fired;
        }

        void Fire(OscMessage message, double stamp, double arrival)
        {
            CurrentStamp = stamp;
            CurrentArrival = arrival;
            try { Dispatch(message); }
            finally { CurrentStamp = 0.0; CurrentArrival = 0.0; }
        }

        void Dispatch(OscMessage message)
        {
            var handler = MessageReceived;
            if (handler != null) handler(message);
            var args = message.Args;
            switch (message.Address)
            {
                case "/engine/beat":
                    if (args.Length >= 3 && Beat != null)
                        Beat(ToInt(args[0]), ToInt(args[1]), ToFloat(args[2]));
                    break;
                case "/engine/scene":
                    if (args.Length >= 1 && SceneChanged != null) SceneChanged(ToText(args[0]));
                    break;
                case "/engine/stinger":
                    if (args.Length >= 1 && Stinger != null) Stinger(ToText(args[0]));
                    break;
                case "/engine/levels":
                    if (Levels == null) break;
                    var levels = new Dictionary<string, float>();
                    for (int i = 0; i + 1 < args.Length; i += 2)
                        if (IsNumber(args[i + 1])) levels[ToText(args[i])] = ToFloat(args[i + 1]);
                    Levels(levels);
                    break;
                case "/engine/describe":
                    string error;
                    var description = ScoreDescription.Parse(args, out error);
                    if (description == null)
                    {
                        DescribeErrors++;
                        Warn("cannot read /engine/describe: " + error);
                        break;
                    }
                    Description = description;
                    if (Described != null) Described(description);
                    break;
                case "/engine/stats":
                    if (Stats == null) break;
                    var stats = new Dictionary<string, long>();
                    for (int i = 0; i + 1 < args.Length; i += 2)
                        if (IsNumber(args[i + 1]))
                            stats[ToText(args[i])] = Convert.ToInt64(args[i + 1]);
                    Stats(stats);
                    break;
            }
        }

        static readonly InputRange Intensity = new InputRange("intensity", 0f, 1f, 1f);

        float Clamp(InputRange range, float value)
        {
            float clamped = range.Clamp(value);
            if (clamped != value) ClampedValues++;
            return clamped;
        }

        bool Refuse(string kind, string name)
        {
            Warn("the score has no " + kind + " \"" + name + "\": not sent");
            return false;
        }

        void Warn(string text)
        {
            LastError = text;
            if (Warning != null) Warning(text);
        }

        object[] SubscribeArgs()
        {
            return ListenPort > 0 ? new object[] { ListenPort } : new object[0];
        }

        static IPAddress Resolve(string host)
        {
            IPAddress address;
            if (IPAddress.TryParse(host, out address)) return address;
            if (host == "localhost") return IPAddress.Loopback;
            foreach (var candidate in Dns.GetHostAddresses(host))
                if (candidate.AddressFamily == AddressFamily.InterNetwork) return candidate;
            throw new ArgumentException("no IPv4 address for " + host);
        }

        static void IgnoreConnectionResets(Socket socket)
        {
            // Windows reports an ICMP "port unreachable" from an earlier send (the engine not
            // running yet) as an error on the next receive; SIO_UDP_CONNRESET turns that off.
            if (Environment.OSVersion.Platform != PlatformID.Win32NT) return;
            try
            {
                const int SIO_UDP_CONNRESET = -1744830452;
                socket.IOControl(SIO_UDP_CONNRESET, new byte[] { 0, 0, 0, 0 }, null);
            }
            catch (Exception)
            {
                // not supported here: Poll() copes with the errors anyway
            }
        }

        static bool IsNumber(object value)
        {
            return value is int || value is long || value is float || value is double;
        }

        static int ToInt(object value) { return IsNumber(value) ? Convert.ToInt32(value) : 0; }

        static float ToFloat(object value)
        {
            return IsNumber(value) ? Convert.ToSingle(value) : 0f;
        }

        static string ToText(object value)
        {
            return value == null ? "" : Convert.ToString(value,
                System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
