using System.ClientModel;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using OpenAI;
using Spotter.Collab.Grains.Assistant;

namespace Spotter.Collab.WebHost.Assistant;

/// <summary>A generated answer: its text with markers <c>[n]</c> renumbered into <see cref="Cited"/>.</summary>
public sealed record GeneratedAnswer(string Answer, IReadOnlyList<AssistantPassage> Cited);

/// <summary>
/// Optional generative answers: the question and the permission-filtered passages (nothing else: no other page, no
/// earlier answer) go to the chat model an administrator configured, which must answer from them and cite them as
/// <c>[n]</c>. A chat client registered in the host's services (<see cref="IChatClient"/>) takes the place of the
/// configured endpoint's client; otherwise one OpenAI-compatible client per endpoint, model and key is made.
/// </summary>
public sealed partial class AssistantChat(IServiceProvider services, ILogger<AssistantChat> logger)
{
    private const string Instructions =
        "You answer questions about a company wiki using only the numbered passages given. Cite every claim with the " +
        "number of its passage in square brackets, like [1]. If the passages do not answer the question, say that you " +
        "do not know; never guess. Answer in the language of the question.";

    private readonly ConcurrentDictionary<(string Endpoint, string Model, string? Key), IChatClient> _clients = new();

    /// <summary>Null when generation is not configured or the model failed (the caller answers extractively).</summary>
    public async Task<GeneratedAnswer?> AnswerAsync(AssistantSettings settings, string question, IReadOnlyList<AssistantPassage> passages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(passages);
        if (!settings.Generative || passages.Count == 0) return null;
        var client = services.GetService<IChatClient>() ?? _clients.GetOrAdd((settings.ChatEndpoint!, settings.ChatModel!, settings.ChatApiKey), Create);
        try
        {
            var response = await client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, Prompt(question, passages))],
                new ChatOptions { Temperature = 0, ModelId = settings.ChatModel },
                cancellationToken);
            return Cite(response.Text, passages);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogGenerationFailed(logger, ex, settings.ChatEndpoint!);
            return null;
        }
    }

    private static IChatClient Create((string Endpoint, string Model, string? Key) target) =>
        new OpenAI.Chat.ChatClient(target.Model, new ApiKeyCredential(target.Key ?? "none"), new OpenAIClientOptions { Endpoint = new Uri(target.Endpoint) })
            .AsIChatClient();

    /// <summary>The user message: each passage numbered, with its page title and heading path, then the question.</summary>
    public static string Prompt(string question, IReadOnlyList<AssistantPassage> passages)
    {
        ArgumentNullException.ThrowIfNull(passages);
        var prompt = new StringBuilder();
        for (var i = 0; i < passages.Count; i++)
        {
            var passage = passages[i];
            prompt.Append(CultureInfo.InvariantCulture, $"[{i + 1}] {string.Join(" > ", [passage.Title, .. passage.Headings])}\n{passage.Text}\n\n");
        }
        prompt.Append("Question: ").Append(question);
        return prompt.ToString();
    }

    /// <summary>Keeps the passages the answer cites, renumbered in order of first mention; an answer that cites none
    /// cites every passage it was given (it can only have come from them).</summary>
    private static GeneratedAnswer Cite(string text, IReadOnlyList<AssistantPassage> passages)
    {
        var order = new List<int>();
        var answer = Marker().Replace(text.Trim(), match =>
        {
            var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            if (n < 1 || n > passages.Count) return "";
            if (!order.Contains(n)) order.Add(n);
            return $"[{order.IndexOf(n) + 1}]";
        });
        if (order.Count == 0) return new GeneratedAnswer(answer, passages);
        return new GeneratedAnswer(answer, order.Select(n => passages[n - 1]).ToList());
    }

    [GeneratedRegex(@"\[(\d{1,3})\]")]
    private static partial Regex Marker();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The assistant's chat model at {Endpoint} failed; answering extractively")]
    private static partial void LogGenerationFailed(ILogger logger, Exception exception, string endpoint);
}
