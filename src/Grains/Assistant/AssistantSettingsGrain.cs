namespace Spotter.Collab.Grains.Assistant;

[GenerateSerializer, Alias("spotter.assistant.SettingsState")]
public sealed class AssistantSettingsState
{
    [Id(0)] public AssistantSettings Settings { get; set; } = new();
}

/// <summary>The assistant's settings, chosen by administrators (the web layer checks who calls).</summary>
public sealed class AssistantSettingsGrain([PersistentState("assistant-settings")] IPersistentState<AssistantSettingsState> state)
    : Grain, IAssistantSettingsGrain
{
    public Task<AssistantSettings> Current() => Task.FromResult(state.State.Settings);

    public async Task Replace(AssistantSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        state.State.Settings = settings;
        await state.WriteStateAsync();
    }
}
