namespace Spotter.Collab.Grains.Projects;

/// <summary>A post an event causes: to <see cref="HookId"/>, because of <see cref="RuleId"/> (null: the webhook's own
/// event list), with <see cref="Text"/> (null: the default line).</summary>
public sealed record AutomationMatch(string HookId, string? RuleId, string? Text);

/// <summary>
/// Which actions an event triggers. A webhook's <c>events</c> are the simple case of a rule (trigger: one of those
/// events; action: post to that webhook), so both go through <see cref="Fires"/>. Only <c>webhook</c> actions exist
/// today; other action types (set a field, notify in the app) are matched here too and left to their executor.
/// </summary>
public static class AutomationEvaluator
{
    /// <summary>The posts the event causes, at most one per webhook (its idempotency key names event and webhook): a
    /// webhook's own subscription first, then rules in creation order. Events at or past the depth limit cause none.</summary>
    public static IReadOnlyList<AutomationMatch> Match(ProjectEvent e, IReadOnlyList<StoredWebhook> hooks, IReadOnlyList<RuleInfo> rules)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(hooks);
        ArgumentNullException.ThrowIfNull(rules);
        if (e.Depth >= ProjectEventTypes.MaxDepth) return [];
        var known = hooks.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);
        var matches = new Dictionary<string, AutomationMatch>(StringComparer.Ordinal);
        var all = hooks.SelectMany(SubscriptionRule).Concat(rules.Select(r => (r.Id, r.Rule)));
        foreach (var (id, rule) in all)
        {
            if (!Fires(rule, e)) continue;
            foreach (var action in rule.Actions)
            {
                if (action.Type != AutomationRules.WebhookAction || action.HookId is not { } hookId || !known.Contains(hookId)) continue;
                var ruleId = id.Length == 0 ? null : id;
                matches.TryAdd(hookId, new AutomationMatch(hookId, ruleId, action.Text is { Length: > 0 } text ? AutomationPayloads.RuleText(text, e) : null));
            }
        }
        return [.. matches.Values];
    }

    /// <summary>Whether the rule's trigger and all its conditions hold for the event.</summary>
    public static bool Fires(RuleSpec rule, ProjectEvent e)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(e);
        var trigger = rule.Trigger;
        if (!string.Equals(trigger.Event, e.Type, StringComparison.Ordinal)) return false;
        if (trigger.NodeKey is { } node && !string.Equals(node, e.NodeKey, StringComparison.Ordinal)) return false;
        if (trigger.To is { } to && !string.Equals(to, e.To, StringComparison.Ordinal)) return false;
        foreach (var condition in rule.Conditions)
        {
            var equal = string.Equals(AutomationRules.FieldOf(e, condition.Field), condition.Value, StringComparison.Ordinal);
            if (condition.Op == "ne" ? equal : !equal) return false;
        }
        return true;
    }

    /// <summary>A webhook's event list as rules (one per event type; an empty rule id marks them).</summary>
    private static IEnumerable<(string Id, RuleSpec Rule)> SubscriptionRule(StoredWebhook hook) =>
        hook.Events.Select(type => ("", new RuleSpec("", new RuleTrigger(type, null, null), [], [new RuleAction(AutomationRules.WebhookAction, hook.Id, null)], hook.CreatedBy)));
}
