// Console check of SoundscapeOsc.cs against a running engine (no Unity needed):
//
//     mcs -out:/tmp/ClientTest.exe demos/unity/SoundscapeOsc.cs demos/unity/tests/ClientTest.cs
//     mono /tmp/ClientTest.exe [ENGINE_PORT [SECONDS [LISTEN_PORT]]]
//
// Defaults: 9000, 5 seconds, 9001 (or SOUNDSCAPE_PORT, SOUNDSCAPE_SECONDS,
// SOUNDSCAPE_LISTEN_PORT). It checks the codec and the description parser on their own first,
// then asks the engine to describe its score (prints "DESCRIBE inputs=... scenes=... events=...
// stingers=..."), sends a mood, a heart rate, a movement above its range (clamped by the
// client), a scene change and an event, tries a scene, an event and an input the score lacks
// (refused by the client: "WARNING ..."), prints one line per piece of feedback (BEAT bar beat
// tempo, SCENE name, STINGER name, LEVELS n, STATS name=value ...) and finally
// "DONE beats=N ...". Exit code 0 if beats came back, 1 if none did, 2 on errors.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using Soundscape;

static class ClientTest
{
    static int Main(string[] args)
    {
        int port = (int)Setting(args, 0, "SOUNDSCAPE_PORT", 9000);
        double seconds = Setting(args, 1, "SOUNDSCAPE_SECONDS", 5);
        int listenPort = (int)Setting(args, 2, "SOUNDSCAPE_LISTEN_PORT", 9001);

        string problem = SelfTest() ?? DescriptionTest() ?? NoEngineTest();
        if (problem != null)
        {
            Console.Error.WriteLine("FAIL self-test: " + problem);
            return 2;
        }
        Console.WriteLine("SELFTEST ok");

        int beats = 0, scenes = 0, stingers = 0, levelMessages = 0;
        using (var osc = new SoundscapeOsc("127.0.0.1", port, listenPort))
        {
            osc.Beat += (bar, beat, tempo) =>
            {
                beats++;
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "BEAT {0} {1} {2:F3}", bar, beat, tempo));
                if (osc.CurrentStamp > 0)  // fired at (after) its stamp, not on arrival
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                        "STAMPED {0:F3} {1:F3}",
                        (OscCodec.UnixNow() - osc.CurrentStamp) * 1000.0,
                        (osc.CurrentStamp - osc.CurrentArrival) * 1000.0));
            };
            osc.SceneChanged += scene => { scenes++; Console.WriteLine("SCENE " + scene); };
            osc.Stinger += name => { stingers++; Console.WriteLine("STINGER " + name); };
            osc.Levels += levels =>
            {
                if (++levelMessages == 1) Console.WriteLine("LEVELS " + levels.Count);
            };
            osc.Stats += stats => Console.WriteLine("STATS " + string.Join(" ",
                stats.Select(pair => pair.Key + "=" + pair.Value)));
            osc.Described += description => Console.WriteLine("DESCRIBE " + description);
            osc.Warning += text => Console.WriteLine("WARNING " + text);

            if (!osc.Connect())
            {
                Console.Error.WriteLine("FAIL connect: " + osc.LastError);
                return 2;
            }
            var clock = Stopwatch.StartNew();
            while (osc.Description == null && clock.Elapsed.TotalSeconds < 3)
            {
                osc.Poll();
                Thread.Sleep(10);
            }
            if (osc.Description == null)
            {
                Console.Error.WriteLine("FAIL no reply to /engine/describe: " + osc.LastError);
                return 2;
            }
            // Names and ranges from the description, not from the YAML: the movement is sent
            // beyond its maximum, and the client clamps it.
            var movement = osc.Description.Input("movement");
            bool sent = osc.SendState("valence", 0.8f)
                & osc.SendState("arousal", -0.5f)
                & osc.SendState("heartrate", 72)
                & osc.SendState("movement", movement == null ? 0f : movement.Max + 0.5f)
                & osc.ChangeScene(osc.Description.Scenes.Contains("grove") ? "grove" : "")
                & osc.FireEvent(osc.Description.Events.FirstOrDefault() ?? "", 0.7f);
            Console.WriteLine(sent ? "SENT 6" : "SEND FAILED " + osc.LastError);
            int refused = (osc.ChangeScene("nowhere") ? 0 : 1)
                + (osc.FireEvent("thunder") ? 0 : 1)
                + (osc.SendState("wind", 0.5f) ? 0 : 1);
            Console.WriteLine("REFUSED " + refused);
            bool askedStats = false;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                if (!askedStats && clock.Elapsed.TotalSeconds >= seconds - 0.5)
                {
                    askedStats = true;
                    osc.RequestStats();
                }
                osc.Poll();
                Thread.Sleep(10);  // a 100 fps game loop
            }
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "DONE beats={0} scenes={1} stingers={2} levels={3} seconds={4:F2} malformed={5} "
                + "clamped={6} describe_errors={7}",
                beats, scenes, stingers, levelMessages, clock.Elapsed.TotalSeconds,
                osc.MalformedPackets, osc.ClampedValues, osc.DescribeErrors));
        }
        return beats > 0 ? 0 : 1;
    }

    static double Setting(string[] args, int index, string variable, double fallback)
    {
        string text = index < args.Length ? args[index]
            : Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(text) ? fallback
            : double.Parse(text, CultureInfo.InvariantCulture);
    }

    // Encoding and decoding without an engine: the exact bytes of a message, a round trip of
    // every type the client sends, and a nested bundle. Null if all is well.
    static string SelfTest()
    {
        var bytes = OscCodec.Encode("/state/mood", 0.5f, -1f);
        var expected = new byte[] {
            0x2f, 0x73, 0x74, 0x61, 0x74, 0x65, 0x2f, 0x6d, 0x6f, 0x6f, 0x64, 0,  // "/state/mood"
            0x2c, 0x66, 0x66, 0,                                                 // ",ff"
            0x3f, 0x00, 0x00, 0x00, 0xbf, 0x80, 0x00, 0x00 };                    // 0.5, -1.0
        if (!bytes.SequenceEqual(expected))
            return "encoding: " + BitConverter.ToString(bytes);

        var values = new object[] { 7, -2.5f, "grove", true, false, 5000000000L, 0.125, null,
                                    new byte[] { 1, 2, 3 } };
        var round = OscCodec.Decode(OscCodec.Encode("/x", values));
        if (round == null || round.Count != 1
            || Show(round[0]) != Show(new OscMessage("/x", values)))
            return "round trip: " + (round == null ? "null" : Show(round[0]));

        var inner = Bundle(OscCodec.Encode("/engine/scene", "ruins"));
        var packet = Bundle(OscCodec.Encode("/engine/beat", 3, 2, 90.5f), inner,
                            OscCodec.Encode("/m", -5L, 0.25, "ab", true, false));
        var got = OscCodec.Decode(packet);
        string want = "/engine/beat 3 2 90.5 | /engine/scene ruins | /m -5 0.25 ab True False";
        if (got == null || string.Join(" | ", got.Select(Show)) != want)
            return "bundle: " + (got == null ? "null" : string.Join(" | ", got.Select(Show)));

        if (OscCodec.Decode(bytes, bytes.Length - 4) != null)
            return "a truncated message was accepted";
        if (OscCodec.Decode(new byte[] { 0x2f, 0x78, 0, 0, 0x2c, 0x71, 0, 0 }) != null)
            return "an unknown type tag was accepted";
        return null;
    }

    // The description parser on its own: a whole reply (what forest.yaml's engine sends, with
    // a count as a long and a range in ints, which a sender may use) and malformed ones, each
    // refused with an error rather than an exception or a half-read description.
    static string DescriptionTest()
    {
        var good = new object[] { "inputs", 2, "valence", -1f, 1f, 0f, "heartrate", 40, 200, 70.0,
                                  "scenes", 2L, "meadow", "grove", "events", 1, "discovery",
                                  "stingers", 1, "discovery", "discovery", "later", 0 };
        string error;
        var description = ScoreDescription.Parse(good, out error);
        string want = "inputs=valence:-1:1:0,heartrate:40:200:70 scenes=meadow,grove "
            + "events=discovery stingers=discovery:discovery";
        if (description == null || description.ToString() != want)
            return "description: " + (description == null ? error : description.ToString());
        if (description.Input("heartrate").Clamp(250f) != 200f || !description.HasScene("grove")
            || description.HasEvent("grove") || description.Input("wind") != null)
            return "description lookups";
        var bad = new Dictionary<string, object[]> {
            { "empty", new object[0] },
            { "null", null },
            { "count overruns", new object[] { "inputs", 1, "valence", -1f, 1f } },
            { "negative count", new object[] { "inputs", -1 } },
            { "huge count", new object[] { "inputs", int.MaxValue, "x" } },
            { "count a float", new object[] { "inputs", 0.5f } },
            { "wrong section", new object[] { "scenes", 0 } },
            { "name a number", new object[] { "inputs", 1, 3, -1f, 1f, 0f } },
            { "range a string", new object[] { "inputs", 1, "v", "low", 1f, 0f } },
            { "min above max", new object[] { "inputs", 1, "v", 2f, 1f, 0f } },
            { "nan", new object[] { "inputs", 1, "v", float.NaN, 1f, 0f } },
            { "missing stingers", new object[] { "inputs", 0, "scenes", 0, "events", 0 } },
            { "stinger cut", new object[] { "inputs", 0, "scenes", 0, "events", 0,
                                            "stingers", 1, "boom" } },
            { "scene null", new object[] { "inputs", 0, "scenes", 1, null } },
        };
        foreach (var pair in bad)
        {
            try
            {
                if (ScoreDescription.Parse(pair.Value, out error) != null || error == null)
                    return "malformed description accepted: " + pair.Key;
            }
            catch (Exception e)
            {
                return "malformed description (" + pair.Key + ") threw " + e.GetType().Name;
            }
        }
        return null;
    }

    // Sending to a port nobody listens on must not throw, however often, nor must polling.
    static string NoEngineTest()
    {
        int deadPort;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            deadPort = ((IPEndPoint)probe.Client.LocalEndPoint).Port;
        try
        {
            using (var osc = new SoundscapeOsc("127.0.0.1", deadPort, 0))
            {
                if (!osc.Connect()) return "connect with an OS-chosen port: " + osc.LastError;
                for (int i = 0; i < 5; i++)
                {
                    osc.SendMood(0.1f, 0.2f);
                    Thread.Sleep(5);
                    osc.Poll();
                }
            }
        }
        catch (Exception e)
        {
            return "no engine: " + e.GetType().Name + ": " + e.Message;
        }
        return null;
    }

    static byte[] Bundle(params byte[][] elements)
    {
        var bundle = new List<byte> { 0x23, 0x62, 0x75, 0x6e, 0x64, 0x6c, 0x65, 0 };  // #bundle
        bundle.AddRange(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 });  // time tag: at once
        foreach (var element in elements)
        {
            var size = BitConverter.GetBytes(element.Length);
            if (BitConverter.IsLittleEndian) Array.Reverse(size);
            bundle.AddRange(size);
            bundle.AddRange(element);
        }
        return bundle.ToArray();
    }

    static string Show(OscMessage message)
    {
        return string.Join(" ", new[] { message.Address }.Concat(message.Args.Select(arg =>
            arg is byte[] ? BitConverter.ToString((byte[])arg)
            : arg == null ? "nil"
            : Convert.ToString(arg, CultureInfo.InvariantCulture))));
    }
}
