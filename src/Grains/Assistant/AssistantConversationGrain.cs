namespace Spotter.Collab.Grains.Assistant;

[GenerateSerializer, Alias("spotter.assistant.ConversationState")]
public sealed class AssistantConversationState
{
    [Id(0)] public string? Owner { get; set; }
    [Id(1)] public List<AssistantTurn> Turns { get; set; } = [];
}

/// <summary>One conversation, kept for its owner (the principal who asked first). Only the newest
/// <see cref="MaxTurns"/> turns are kept; turn numbers count from the conversation's start.</summary>
public sealed class AssistantConversationGrain([PersistentState("assistant-conversation")] IPersistentState<AssistantConversationState> state)
    : Grain, IAssistantConversationGrain
{
    public const int MaxTurns = 50;

    public Task<IReadOnlyList<AssistantTurn>?> Turns(string principal) =>
        Task.FromResult<IReadOnlyList<AssistantTurn>?>(IsOwner(principal) ? state.State.Turns.ToList() : null);

    public async Task<int?> Append(string principal, AssistantTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        if (state.State.Owner is null) state.State.Owner = principal;
        else if (!IsOwner(principal)) return null;
        state.State.Turns.Add(turn);
        if (state.State.Turns.Count > MaxTurns) state.State.Turns.RemoveRange(0, state.State.Turns.Count - MaxTurns);
        await state.WriteStateAsync();
        return state.State.Turns.Count - 1;
    }

    public async Task<bool> SetFeedback(string principal, int turn, bool helpful)
    {
        if (!IsOwner(principal) || turn < 0 || turn >= state.State.Turns.Count) return false;
        state.State.Turns[turn] = state.State.Turns[turn] with { Helpful = helpful };
        await state.WriteStateAsync();
        return true;
    }

    private bool IsOwner(string principal) => state.State.Owner is { } owner && string.Equals(owner, principal, StringComparison.Ordinal);
}
