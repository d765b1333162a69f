using System.Text;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Search.Highlight;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase;

/// <summary>
/// The search index: one activation holds an in-memory Lucene index, rebuilt on activation from the
/// <c>search_documents</c> table (the durable source), so it can move between silos. SmartCn segments Chinese
/// into words and lower-cases and Porter-stems English, so both languages match by word.
/// </summary>
public sealed class SearchIndexGrain(IKnowledgeBaseStore store) : Grain, ISearchIndexGrain, IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string IdField = "id";
    private const string TitleField = "title";
    private const string BodyField = "body";
    private const string SpaceField = "space";
    private const int SnippetLength = 160;

    private readonly SmartChineseAnalyzer _analyzer = CreateAnalyzer();
    private readonly RAMDirectory _directory = new();
    private IndexWriter? _writer;
    private DirectoryReader? _reader;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new IndexWriter(_directory, new IndexWriterConfig(Version, _analyzer) { OpenMode = OpenMode.CREATE });
        foreach (var document in await store.LoadSearchDocumentsAsync(cancellationToken)) _writer.UpdateDocument(new Term(IdField, document.DocumentId), ToLucene(document));
        _writer.Commit();
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task Index(SearchDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        await store.UpsertSearchDocumentAsync(document);
        Writer.UpdateDocument(new Term(IdField, document.DocumentId), ToLucene(document));
        Writer.Commit();
    }

    public Task<IReadOnlyList<SearchHit>> Search(string query, int limit)
    {
        if (string.IsNullOrWhiteSpace(query) || limit <= 0) return Task.FromResult<IReadOnlyList<SearchHit>>([]);
        var reader = CurrentReader();
        if (reader is null) return Task.FromResult<IReadOnlyList<SearchHit>>([]);
        var parser = new MultiFieldQueryParser(Version, [TitleField, BodyField], _analyzer, new Dictionary<string, float> { [TitleField] = 2f, [BodyField] = 1f })
        {
            DefaultOperator = Operator.AND,
        };
        // The user's words, never query syntax.
        var parsed = parser.Parse(QueryParserBase.Escape(query.Trim()));
        var searcher = new IndexSearcher(reader);
        var top = searcher.Search(parsed, limit);
        var highlighter = new Highlighter(new SimpleHTMLFormatter("<mark>", "</mark>"), new HtmlTextEncoder(), new QueryScorer(parsed, BodyField))
        {
            TextFragmenter = new SimpleFragmenter(SnippetLength),
        };
        var hits = new List<SearchHit>(top.ScoreDocs.Length);
        foreach (var scoreDoc in top.ScoreDocs)
        {
            var document = searcher.Doc(scoreDoc.Doc);
            var body = document.Get(BodyField) ?? "";
            string? snippet;
            using (var tokens = _analyzer.GetTokenStream(BodyField, body))
            {
                snippet = highlighter.GetBestFragments(tokens, body, 2, " … ");
            }
            if (string.IsNullOrEmpty(snippet))
            {
                var start = new StringBuilder();
                RichHtml.Escape(body.Length > SnippetLength ? body[..SnippetLength] + "…" : body, start);
                snippet = start.ToString();
            }
            hits.Add(new SearchHit(document.Get(IdField), document.Get(TitleField) ?? "", document.Get(SpaceField), snippet, scoreDoc.Score));
        }
        return Task.FromResult<IReadOnlyList<SearchHit>>(hits);
    }

    private IndexWriter Writer => _writer ?? throw new InvalidOperationException("search index not activated");

    private DirectoryReader? CurrentReader()
    {
        if (_reader is null)
        {
            _reader = DirectoryReader.Open(_directory);
            return _reader;
        }
        var newer = DirectoryReader.OpenIfChanged(_reader);
        if (newer is not null)
        {
            _reader.Dispose();
            _reader = newer;
        }
        return _reader;
    }

    /// <summary>
    /// SmartCn splits sentences with ICU4N, whose start-up creates named cultures ("en"). The hosts run with invariant
    /// globalization, where that throws unless PredefinedCulturesOnly is off (Directory.Build.props); then such
    /// cultures behave like the invariant one, which is all ICU4N needs (it ships its own break-iterator data).
    /// </summary>
    private static SmartChineseAnalyzer CreateAnalyzer() => new(Version);

    private static Document ToLucene(SearchDocument document)
    {
        var lucene = new Document
        {
            new StringField(IdField, document.DocumentId, Field.Store.YES),
            new TextField(TitleField, document.Title, Field.Store.YES),
            new TextField(BodyField, document.Body, Field.Store.YES),
        };
        if (document.SpaceId is not null) lucene.Add(new StringField(SpaceField, document.SpaceId, Field.Store.YES));
        return lucene;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _writer?.Dispose();
        _directory.Dispose();
        _analyzer.Dispose();
    }
}

/// <summary>Escapes snippet text for HTML but keeps non-ASCII characters as they are (Lucene's encoder writes
/// every CJK character as a numeric entity).</summary>
internal sealed class HtmlTextEncoder : IEncoder
{
    public string EncodeText(string originalText)
    {
        var html = new StringBuilder(originalText.Length);
        RichHtml.Escape(originalText, html);
        return html.ToString();
    }
}
