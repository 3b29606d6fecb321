// Just enough of UnityEngine for demos/unity/SoundscapeClient.cs to compile without Unity, so
// tests/clients/test_csharp.py can prove the component type-checks. Only what it uses; nothing
// here behaves like Unity.

using System;

namespace UnityEngine
{
    public class Object { }
    public class Component : Object { }
    public class Behaviour : Component { }
    public class MonoBehaviour : Behaviour { }

    public static class Debug
    {
        public static void Log(object message) { Console.WriteLine(message); }
        public static void LogWarning(object message) { Console.Error.WriteLine(message); }
    }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class TooltipAttribute : Attribute
    {
        public TooltipAttribute(string tooltip) { }
    }

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class AddComponentMenu : Attribute
    {
        public AddComponentMenu(string menuName) { }
    }
}

namespace UnityEngine.Events
{
    public delegate void UnityAction<T0>(T0 arg0);
    public delegate void UnityAction<T0, T1, T2>(T0 arg0, T1 arg1, T2 arg2);

    public abstract class UnityEvent<T0>
    {
        event UnityAction<T0> listeners;
        public void AddListener(UnityAction<T0> call) { listeners += call; }
        public void RemoveListener(UnityAction<T0> call) { listeners -= call; }
        public void Invoke(T0 arg0) { if (listeners != null) listeners(arg0); }
    }

    public abstract class UnityEvent<T0, T1, T2>
    {
        event UnityAction<T0, T1, T2> listeners;
        public void AddListener(UnityAction<T0, T1, T2> call) { listeners += call; }
        public void RemoveListener(UnityAction<T0, T1, T2> call) { listeners -= call; }
        public void Invoke(T0 arg0, T1 arg1, T2 arg2)
        {
            if (listeners != null) listeners(arg0, arg1, arg2);
        }
    }
}
