namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>YXmlText.ToString prints each format value the way yjs 13.6.33 does: by enumerating it with for…in.</summary>
public class XmlTextStringTests
{
    [Fact]
    public void Format_values_print_like_yjs_for_strings_objects_arrays_and_booleans()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        var text = new YXmlText();
        doc.GetXmlFragment("x").Insert(0, [text]);
        text.Insert(0, "ab", new Dictionary<string, object?>
        {
            ["color"] = "rgba(10,20,30,0.5)",
            ["bold"] = true,
            ["link"] = new Dictionary<string, object?> { ["href"] = "h", ["2"] = "two", ["a"] = new List<object?> { 1L, null } },
            ["list"] = new List<object?> { "x", "y" },
        });
        text.Insert(2, "cd", new Dictionary<string, object?> { ["color"] = "#f" });

        // Output of the same edits in yjs 13.6.33 (string indices sort as strings: "10" before "2").
        const string Yjs = "<bold><color 0=\"r\" 1=\"g\" 10=\",\" 11=\"3\" 12=\"0\" 13=\",\" 14=\"0\" 15=\".\" 16=\"5\" 17=\")\" 2=\"b\" 3=\"a\" 4=\"(\" 5=\"1\" 6=\"0\" 7=\",\" 8=\"2\" 9=\"0\">"
            + "<link 2=\"two\" a=\"1,\" href=\"h\"><list 0=\"x\" 1=\"y\">ab</list></link></color></bold><color 0=\"#\" 1=\"f\">cd</color>";
        Assert.Equal(Yjs, text.ToString());
    }
}
