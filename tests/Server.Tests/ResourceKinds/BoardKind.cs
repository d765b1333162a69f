using System.Globalization;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Documents;

namespace Spotter.Collab.Server.Tests.ResourceKinds;

/// <summary>
/// A minimal second resource kind, to prove the core's extension points: a board (ids <c>board-…</c>) whose clients
/// add cards to the <c>cards</c> array, while the <c>summary</c> map is the server's projection of it (the card
/// count), written after every durable commit and announced as <c>Notice(id, "board.cards", count)</c>. Clients may
/// not write <c>summary</c> (<c>Rejected(server-owned)</c>).
/// </summary>
public sealed class BoardKind : IResourceKind
{
    public const string Prefix = "board-";
    public const string CardsRoot = "cards";
    public const string SummaryRoot = "summary";
    public const string CardsNotice = "board.cards";

    public string Name => "board";

    public string IdPrefix => Prefix;

    public LiveResourceExtension Attach(ILiveResource resource) => new BoardExtension(resource);

    public static string NewId() => Prefix + Guid.NewGuid().ToString("N");

    private sealed class BoardExtension(ILiveResource board) : LiveResourceExtension
    {
        public override bool ValidatesUpdates => true;

        public override UpdateRejection? Validate(DocumentRole role, string principal, ReadOnlySpan<byte> update) =>
            board.Content is { } content && content.WritesRoot(update, SummaryRoot)
                ? new UpdateRejection(RejectCodes.ServerOwned, $"the {SummaryRoot} of a board is written by the server")
                : null;

        public override void OnCommitted(string author, byte[] update)
        {
            if (board.Content is not { } content) return;
            // A copy of the content builds the projection's update; the real kind would keep its own view.
            var copy = new Doc();
            copy.ApplyUpdate(content.EncodeStateAsUpdate());
            var count = copy.GetArray(CardsRoot).Length;
            var summary = copy.GetMap(SummaryRoot);
            if (summary.Get("count") is IConvertible current && current.ToInt64(CultureInfo.InvariantCulture) == count) return;
            var before = copy.EncodeStateVector();
            summary.Set("count", (long)count);
            _ = ProjectAsync(copy.EncodeStateAsUpdate(before), count);
        }

        private async Task ProjectAsync(byte[] projection, int count)
        {
            await board.ApplyServerUpdateAsync(DocumentRole.Owner, projection, "server");
            await board.NotifyAsync(CardsNotice, count.ToString(CultureInfo.InvariantCulture));
        }
    }
}
