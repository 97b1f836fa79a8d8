using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lantern.Observability.Interop;

namespace Lantern.Cli.Dbg;

/// <summary>
/// <c>lantern dbg --json</c>: one JSON object per line in both directions (docs/dbg-json.md, docs/dbg-json.schema.json).
/// Requests: <c>{"id":1,"command":"break","arguments":"main"}</c> or <c>{"id":1,"line":"break main"}</c>. Messages out:
/// <c>response</c> (one per request: success, the console text, a structured body or the error), <c>event</c>
/// (<c>initialized</c>, <c>stopped</c>, <c>exited</c>, <c>display</c>, <c>terminated</c>) and <c>output</c> (what the
/// program wrote to its stdout/stderr, captured through pipes so it never mixes into the protocol stream).
/// </summary>
internal sealed class JsonOutput : DbgOutput, IDisposable
{
    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly object _writeLock = new();
    private readonly Stream _protocol;
    private readonly StringBuilder _text = new();
    private readonly List<string> _errors = new();
    private JsonObject _body = new();
    private ProgramPipe? _stdout;
    private ProgramPipe? _stderr;

    /// <param name="protocolFd">The descriptor to write protocol messages to (a duplicate of the original stdout).</param>
    public JsonOutput(int protocolFd)
    {
        _protocol = new DescriptorStream(protocolFd);
    }

    /// <summary>Redirects fds 1 and 2 (the program's stdout/stderr) into pipes whose contents become <c>output</c> messages.</summary>
    public void CaptureProgramOutput()
    {
        _stdout = new ProgramPipe(1, "stdout", this);
        _stderr = new ProgramPipe(2, "stderr", this);
    }

    /// <summary>Waits until everything the program wrote so far has been sent.</summary>
    public void DrainProgramOutput()
    {
        _stdout?.Drain();
        _stderr?.Drain();
    }

    public override void Write(string text) => _text.Append(text);

    public override void Error(string message) => _errors.Add(message.TrimEnd('\n'));

    public override void SetBody(string key, JsonNode? value) => _body[key] = value;

    public override void Event(string name, JsonObject body, string text)
    {
        DrainProgramOutput();
        Send(new JsonObject { ["type"] = "event", ["event"] = name, ["body"] = body, ["text"] = text });
    }

    /// <summary>Starts collecting a command's response.</summary>
    public void BeginCommand()
    {
        _text.Clear();
        _errors.Clear();
        _body = new JsonObject();
    }

    /// <summary>Sends the response of the command begun last.</summary>
    public void EndCommand(JsonNode? id, string? command)
    {
        DrainProgramOutput();
        var response = new JsonObject
        {
            ["type"] = "response",
            ["id"] = id?.DeepClone(),
            ["command"] = command,
            ["success"] = _errors.Count == 0,
            ["output"] = _text.ToString(),
        };
        if (_errors.Count > 0)
        {
            response["message"] = string.Join("\n", _errors);
        }

        if (_body.Count > 0)
        {
            response["body"] = _body;
        }

        Send(response);
    }

    /// <summary>A response to a request that could not be read.</summary>
    public void BadRequest(JsonNode? id, string message)
    {
        Send(new JsonObject { ["type"] = "response", ["id"] = id?.DeepClone(), ["command"] = null, ["success"] = false, ["output"] = "", ["message"] = message });
    }

    public void Send(JsonObject message)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message.ToJsonString(s_options) + "\n");
        lock (_writeLock)
        {
            _protocol.Write(bytes);
            _protocol.Flush();
        }
    }

    public void Dispose()
    {
        DrainProgramOutput();
        _stdout?.Dispose();
        _stderr?.Dispose();
    }

    /// <summary>
    /// One redirected descriptor: the write end replaces fd N, a reader thread turns what arrives into <c>output</c>
    /// messages. Reads happen inside a lock, so <see cref="Drain"/> (no bytes pending, then take the lock) guarantees
    /// that everything written before it has been sent.
    /// </summary>
    private sealed unsafe class ProgramPipe : IDisposable
    {
        private readonly object _lock = new();
        private readonly int _readFd;
        private readonly string _stream;
        private readonly JsonOutput _owner;
        private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
        private volatile bool _closed;

        public ProgramPipe(int fd, string stream, JsonOutput owner)
        {
            _stream = stream;
            _owner = owner;
            int* fds = stackalloc int[2];
            if (LibC.Pipe(fds) != 0)
            {
                throw new IOException("pipe failed");
            }

            _readFd = fds[0];
            LibC.Dup2(fds[1], fd);
            LibC.Close(fds[1]);
            var thread = new Thread(Pump) { IsBackground = true, Name = "lantern-dbg-" + stream };
            thread.Start();
        }

        private void Pump()
        {
            var buffer = new byte[65536];
            var chars = new char[65536 + 8];
            var poll = new LibC.PollFd { Fd = _readFd, Events = LibC.PollIn };
            while (!_closed)
            {
                int ready = LibC.Poll(&poll, 1, 200);
                if (ready <= 0)
                {
                    continue;
                }

                lock (_lock)
                {
                    nint n;
                    fixed (byte* p = buffer)
                    {
                        n = LibC.Read(_readFd, p, (nuint)buffer.Length);
                    }

                    if (n <= 0)
                    {
                        return;
                    }

                    int count = _decoder.GetChars(buffer, 0, (int)n, chars, 0);
                    if (count > 0)
                    {
                        _owner.Send(new JsonObject { ["type"] = "output", ["stream"] = _stream, ["text"] = new string(chars, 0, count) });
                    }
                }
            }
        }

        public void Drain()
        {
            for (int i = 0; i < 2000; i++)
            {
                int pending = 0;
                if (LibC.Ioctl(_readFd, LibC.FionRead, &pending) != 0 || pending == 0)
                {
                    break;
                }

                Thread.Sleep(1);
            }

            lock (_lock)
            {
            }
        }

        public void Dispose() => _closed = true;
    }
}
