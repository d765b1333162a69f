using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>What every <see cref="IAutomationStore"/> must do; run on SQLite here and on PostgreSQL in Cluster.Tests.</summary>
public abstract class AutomationStoreContractTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, 123, TimeSpan.Zero);

    protected abstract IAutomationStore OpenStore();

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static StoredDelivery Delivery(string project, string hook, long sequence, DateTimeOffset? next, string status = DeliveryStatuses.Pending) =>
        new(project, NewId(), hook, sequence % 2 == 0 ? "rule-1" : null, sequence, ProjectEventTypes.NodeCompleted, $"{project}:{sequence}:{hook}",
            "{\"text\":\"x\"}", status, status == DeliveryStatuses.Skipped ? "why" : null, "[]", next, Now.AddSeconds(sequence));

    [Fact]
    public async Task Webhooks_keep_their_secret_and_events_and_are_listed_per_project()
    {
        var store = OpenStore();
        var (project, other) = ($"project-{NewId()}", $"project-{NewId()}");
        var signed = new StoredWebhook(project, NewId(), "https://a.example/x", WebhookFormats.Feishu, "s3cret", [ProjectEventTypes.NodeCompleted, ProjectEventTypes.ItemCreated], "ana", Now);
        var plain = new StoredWebhook(project, NewId(), "https://b.example/y", WebhookFormats.Slack, null, [], "ben", Now.AddSeconds(1));
        await store.SaveWebhookAsync(signed);
        await store.SaveWebhookAsync(plain);
        await store.SaveWebhookAsync(signed with { ProjectId = other, Id = NewId() });

        var hooks = await store.ListWebhooksAsync(project);
        Assert.Equal(2, hooks.Count);
        Assert.Equal(signed.Id, hooks[0].Id);
        Assert.Equal("s3cret", hooks[0].Secret);
        Assert.Equal(signed.Events, hooks[0].Events);
        Assert.Equal(Now, hooks[0].CreatedAt);
        Assert.Null(hooks[1].Secret);
        Assert.Empty(hooks[1].Events);

        Assert.True(await store.DeleteWebhookAsync(project, signed.Id));
        Assert.False(await store.DeleteWebhookAsync(project, signed.Id));
        Assert.Equal([plain.Id], (await store.ListWebhooksAsync(project)).Select(h => h.Id));
        Assert.Single(await store.ListWebhooksAsync(other));
    }

    [Fact]
    public async Task Rules_are_saved_listed_and_deleted()
    {
        var store = OpenStore();
        var project = $"project-{NewId()}";
        var rule = new StoredRule(project, NewId(), "{\"name\":\"r\"}", Now);
        await store.SaveRuleAsync(rule);
        Assert.Equal([rule], await store.ListRulesAsync(project));
        Assert.True(await store.DeleteRuleAsync(project, rule.Id));
        Assert.Empty(await store.ListRulesAsync(project));
    }

    [Fact]
    public async Task The_outbox_queues_once_per_idempotency_key_and_lists_what_is_due()
    {
        var store = OpenStore();
        var project = $"project-{NewId()}";
        var hook = NewId();
        var due = Delivery(project, hook, 1, Now);
        var later = Delivery(project, hook, 2, Now.AddMinutes(1));
        var skipped = Delivery(project, hook, 3, null, DeliveryStatuses.Skipped);
        Assert.Equal(3, await store.EnqueueAsync([due, later, skipped]));
        // The same event and webhook again (another id): left out.
        Assert.Equal(0, await store.EnqueueAsync([Delivery(project, hook, 1, Now)]));

        var ready = await store.ListDueAsync(project, Now, 10);
        Assert.Equal([due], ready);
        Assert.Equal(Now, await store.NextAttemptAsync(project));
        Assert.Contains((project, Now), await store.ListPendingProjectsAsync());

        const string attempts = "[{\"at\":\"2026-12-07T09:00:00+00:00\",\"statusCode\":500,\"error\":null}]";
        await store.UpdateDeliveryAsync(project, due.Id, DeliveryStatuses.Pending, "will retry: HTTP 500", attempts, Now.AddSeconds(10));
        Assert.Empty(await store.ListDueAsync(project, Now, 10));
        Assert.Equal(Now.AddSeconds(10), await store.NextAttemptAsync(project));
        Assert.Equal([due.Id, later.Id], (await store.ListDueAsync(project, Now.AddHours(1), 10)).Select(d => d.Id));

        await store.UpdateDeliveryAsync(project, due.Id, DeliveryStatuses.Delivered, null, attempts, null);
        await store.UpdateDeliveryAsync(project, later.Id, DeliveryStatuses.Failed, "HTTP 404", attempts, null);
        Assert.Null(await store.NextAttemptAsync(project));
        Assert.DoesNotContain(await store.ListPendingProjectsAsync(), p => p.ProjectId == project);

        var log = await store.ListDeliveriesAsync(project, hook, 10);
        Assert.Equal([skipped.Id, later.Id, due.Id], log.Select(d => d.Id));
        Assert.Equal("why", log[0].Detail);
        Assert.Null(log[0].NextAttemptAt);
        Assert.Equal(DeliveryStatuses.Failed, log[1].Status);
        Assert.Equal("rule-1", log[1].RuleId);
        Assert.Equal(attempts, log[2].Attempts);
        Assert.Equal(DeliveryStatuses.Delivered, log[2].Status);
        Assert.Null(log[2].RuleId);
        Assert.Equal(due.IdempotencyKey, log[2].IdempotencyKey);
        Assert.Equal(due.Payload, log[2].Payload);
        Assert.Equal(due.CreatedAt, log[2].CreatedAt);
        Assert.Empty(await store.ListDeliveriesAsync(project, NewId(), 10));
    }
}
