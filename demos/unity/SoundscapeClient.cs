// Unity component for the soundscape engine: put it on a GameObject, set the engine's address in
// the Inspector, and call its methods from your game code. It connects in Start, polls in Update
// (so every event arrives on the main thread) and closes in OnDestroy. The work is done by
// SoundscapeOsc.cs, which must sit beside it. See docs/clients.md.
//
//     var music = FindObjectOfType<Soundscape.SoundscapeClient>();
//     music.SendMood(0.6f, -0.2f);
//     music.onBeat.AddListener((bar, beat, tempo) => lamp.Pulse());

using System;
using System.Collections.Generic;
using UnityEngine;
using UnityEngine.Events;

namespace Soundscape
{
    [Serializable] public class SoundscapeBeatEvent : UnityEvent<int, int, float> { }
    [Serializable] public class SoundscapeNameEvent : UnityEvent<string> { }

    [AddComponentMenu("Audio/Soundscape Client")]
    public class SoundscapeClient : MonoBehaviour
    {
        [Tooltip("Address of the machine the engine runs on")]
        public string host = "127.0.0.1";
        [Tooltip("UDP port the engine listens on (soundscape play --port)")]
        public int port = 9000;
        [Tooltip("UDP port for the engine's feedback; 0 lets the system choose")]
        public int listenPort = 9001;

        [Tooltip("Every beat: bar, beat (both from 0), tempo in BPM")]
        public SoundscapeBeatEvent onBeat = new SoundscapeBeatEvent();
        [Tooltip("A scene transition landed")]
        public SoundscapeNameEvent onSceneChanged = new SoundscapeNameEvent();
        [Tooltip("A stinger played")]
        public SoundscapeNameEvent onStinger = new SoundscapeNameEvent();

        /// <summary>Layer name to gain, a few times a second (C# only: dictionaries do not show
        /// in the Inspector).</summary>
        public event Action<Dictionary<string, float>> Levels;
        /// <summary>The reply to RequestStats().</summary>
        public event Action<Dictionary<string, long>> Stats;
        /// <summary>What the score offers (inputs with ranges, scenes, events, stingers), asked
        /// at Start; also in Description. From then on SendState clamps to the ranges and
        /// ChangeScene / FireEvent refuse names the score lacks, with a warning in the Console.
        /// </summary>
        public event Action<ScoreDescription> Described;

        [Tooltip("Log what the score offers when the engine describes it")]
        public bool logDescription = true;

        /// <summary>The playing score's inputs, scenes, events and stingers; null until the
        /// engine has answered.</summary>
        public ScoreDescription Description { get { return Osc != null ? Osc.Description : null; } }

        /// <summary>The underlying client, for everything else (Send, counters, LastError).
        /// </summary>
        public SoundscapeOsc Osc { get; private set; }

        void Start()
        {
            Osc = new SoundscapeOsc(host, port, listenPort);
            Osc.Beat += (bar, beat, tempo) => onBeat.Invoke(bar, beat, tempo);
            Osc.SceneChanged += scene => onSceneChanged.Invoke(scene);
            Osc.Stinger += name => onStinger.Invoke(name);
            Osc.Levels += levels => { if (Levels != null) Levels(levels); };
            Osc.Stats += stats => { if (Stats != null) Stats(stats); };
            Osc.Described += description =>
            {
                if (logDescription) Debug.Log("Soundscape: the score offers " + description);
                if (Described != null) Described(description);
            };
            Osc.Warning += text => Debug.LogWarning("Soundscape: " + text);
            if (!Osc.Connect())
                Debug.LogWarning("Soundscape: " + Osc.LastError);
        }

        void Update()
        {
            if (Osc != null) Osc.Poll();
        }

        void OnDestroy()
        {
            if (Osc != null) Osc.Dispose();
            Osc = null;
        }

        public void SendState(string input, float value)
        {
            if (Osc != null) Osc.SendState(input, value);
        }

        public void SendMood(float valence, float arousal)
        {
            if (Osc != null) Osc.SendMood(valence, arousal);
        }

        public void ChangeScene(string scene) { if (Osc != null) Osc.ChangeScene(scene); }

        public void FireEvent(string name, float intensity = 1f)
        {
            if (Osc != null) Osc.FireEvent(name, intensity);
        }

        public void SetTempo(float bpm) { if (Osc != null) Osc.SetTempo(bpm); }

        public void RequestStats() { if (Osc != null) Osc.RequestStats(); }

        public void Send(string address, params object[] args)
        {
            if (Osc != null) Osc.Send(address, args);
        }
    }
}
