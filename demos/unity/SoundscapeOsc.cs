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
        /// or null if it is malformed. Bundle time tags are ignored: feedback is for now.</summary>
        public static List<OscMessage> Decode(byte[] data, int length)
        {
            var messages = new List<OscMessage>();
            return ParsePacket(data, 0, Math.Min(length, data.Length), messages) ? messages : null;
        }

        public static List<OscMessage> Decode(byte[] data)
        {
            return Decode(data, data.Length);
        }

        static bool ParsePacket(byte[] data, int start, int end, List<OscMessage> messages)
        {
            if (end - start < 4 || (end - start) % 4 != 0) return false;
            if (data[start] != (byte)'#')
            {
                var message = ParseMessage(data, start, end);
                if (message == null) return false;
                messages.Add(message);
                return true;
            }
            int pos;
            var header = ReadString(data, start, end, out pos);
            if (header != "#bundle" || pos + 8 > end) return false;
            pos += 8;  // the time tag
            while (pos < end)
            {
                if (pos + 4 > end) return false;
                int size = ReadInt32(data, pos);
                pos += 4;
                if (size < 0 || size > end - pos) return false;
                if (!ParsePacket(data, pos, pos + size, messages)) return false;
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
        /// <summary>Every message from the engine, the ones above included.</summary>
        public event Action<OscMessage> MessageReceived;

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
            return true;
        }

        /// <summary>Subscribe, or renew the subscription (the engine counts it once).</summary>
        public bool Subscribe()
        {
            sinceSubscribe.Restart();
            return Send("/engine/subscribe", SubscribeArgs());
        }
        public bool Unsubscribe() { return Send("/engine/unsubscribe", SubscribeArgs()); }

        public bool SendState(string input, float value) { return Send("/state/" + input, value); }
        public bool SendMood(float valence, float arousal)
        {
            return Send("/state/mood", valence, arousal);
        }
        public bool ChangeScene(string scene) { return Send("/scene", scene); }
        public bool FireEvent(string name, float intensity = 1f)
        {
            return Send("/event", name, intensity);
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
                foreach (var message in messages)
                {
                    Dispatch(message);
                    handled++;
                }
            }
            if (ResubscribeInterval > 0 && silence.Elapsed.TotalSeconds >= ResubscribeInterval)
            {
                silence.Restart();
                Subscribe();
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
