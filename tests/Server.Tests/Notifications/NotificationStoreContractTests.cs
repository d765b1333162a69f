using Spotter.Collab.Grains.Notifications;

namespace Spotter.Collab.Server.Tests.Notifications;

/// <summary>What every <see cref="INotificationStore"/> must do; run on SQLite here and on PostgreSQL in
/// Cluster.Tests.</summary>
public abstract class NotificationStoreContractTests
{
    protected abstract INotificationStore OpenStore();

    private static readonly DateTimeOffset At = new(2026, 12, 7, 9, 30, 15, 250, TimeSpan.Zero);

    private static string NewRecipient() => "u" + Guid.NewGuid().ToString("N")[..12];

    private static Notification Of(string recipient, long sequence, string kind = NotificationKinds.Mention, bool read = false) =>
        new(recipient, sequence, kind, "page-" + sequence % 2, sequence % 2 == 0 ? null : "thread-" + sequence, "ann", "看一下 @bob " + sequence,
            At.AddMinutes(sequence), read);

    [Fact]
    public async Task Notifications_read_back_whole_newest_first_per_recipient_with_paging_and_unread_filter()
    {
        var store = OpenStore();
        var recipient = NewRecipient();
        Assert.Equal(0, await store.LastSequenceAsync(recipient));
        for (var i = 1; i <= 5; i++) await store.AddAsync(Of(recipient, i, i == 3 ? NotificationKinds.Share : NotificationKinds.Mention, read: i == 2));
        await store.AddAsync(Of(NewRecipient(), 1));

        Assert.Equal(5, await store.LastSequenceAsync(recipient));
        var all = await store.ListAsync(recipient, null, 100, unreadOnly: false);
        Assert.Equal([5L, 4, 3, 2, 1], all.Select(n => n.Sequence));
        Assert.Equal(Of(recipient, 3, NotificationKinds.Share), all[2]);
        Assert.Equal(Of(recipient, 2, read: true), all[3]);
        Assert.Equal([3L, 2], (await store.ListAsync(recipient, 4, 2, unreadOnly: false)).Select(n => n.Sequence));
        Assert.Equal([5L, 4, 3, 1], (await store.ListAsync(recipient, null, 100, unreadOnly: true)).Select(n => n.Sequence));
        Assert.Empty(await store.ListAsync(NewRecipient(), null, 100, unreadOnly: false));
    }

    [Fact]
    public async Task Marking_read_counts_only_what_was_unread_and_stays_within_the_recipient()
    {
        var store = OpenStore();
        var recipient = NewRecipient();
        var other = NewRecipient();
        for (var i = 1; i <= 4; i++) await store.AddAsync(Of(recipient, i));
        await store.AddAsync(Of(other, 1));

        Assert.Equal(2, await store.MarkReadAsync(recipient, [1, 3, 99]));
        Assert.Equal(0, await store.MarkReadAsync(recipient, [1]));
        Assert.Equal([4L, 2], (await store.ListAsync(recipient, null, 100, unreadOnly: true)).Select(n => n.Sequence));
        Assert.Equal(2, await store.MarkAllReadAsync(recipient));
        Assert.Empty(await store.ListAsync(recipient, null, 100, unreadOnly: true));
        Assert.Single(await store.ListAsync(other, null, 100, unreadOnly: true));
    }

    [Fact]
    public async Task A_sequence_already_stored_is_refused()
    {
        var store = OpenStore();
        var recipient = NewRecipient();
        await store.AddAsync(Of(recipient, 1));
        await Assert.ThrowsAnyAsync<Exception>(() => store.AddAsync(Of(recipient, 1, NotificationKinds.Reply)));
        Assert.Equal(NotificationKinds.Mention, Assert.Single(await store.ListAsync(recipient, null, 100, unreadOnly: false)).Kind);
    }
}
