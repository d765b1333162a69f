using System.Security.Cryptography;
using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>
/// Random concurrent editing of three replicas (text with formatting, arrays, maps, random partial syncs), driven by the
/// same LCG as Oracle/fuzz.mjs. Expected values come from running fuzz.mjs with yjs 13.6.33 in node (outside the
/// repository): per seed, sha256 of each replica's final V1 state, the length of the text's delta JSON, and the text.
/// </summary>
public class ConcurrencyFuzzTests
{
    private static readonly string[] Expected =
    [
        "d2edc85337a6675e1424be139e91a1cf55a895afbb370cf0841d2db6affb7091,d2edc85337a6675e1424be139e91a1cf55a895afbb370cf0841d2db6affb7091,d2edc85337a6675e1424be139e91a1cf55a895afbb370cf0841d2db6affb7091|1493|wvbnsrodsrbqxzykirhmspjglgfsnclcpqtansvvfmfspnpwzehhgbpejbsbhqxclnetslarlbldjmdkdtlwpukwpqulfqznsbdcirrfzgfhcnxapohijsbxdohtkdpcrynxmitxuvmbsbsljzgqjlvjnbabipuhomfyxgpsnhzcify",
        "ba17f5e8fdbb10f2f321c0888d0206d1f242e5752eef8b52b92bf2da8ed1655c,ba17f5e8fdbb10f2f321c0888d0206d1f242e5752eef8b52b92bf2da8ed1655c,ba17f5e8fdbb10f2f321c0888d0206d1f242e5752eef8b52b92bf2da8ed1655c|1849|hvcltmfmzudulhenaehtufvtxzmufytdknwnafludfsjsrsdcffebuhtrwwkrlfxomirrqtdgivzzoxybtylqamtzthnojlukfbydszdtwvbwwtcbczycbdqbfusfnfnhwrjwevmuebnhyzalnlfkhbybfgzhqgrbjmzpckelmpepqcthpwfogryvejvsznhtwlcntownlzamnztmvhahzsburfyxvebgpxubyhsuykxkxuzhosftwn",
        "7989c985c9d38642d17b738662c9fe052413ce48e88e82cec10be20dffcf83ad,7989c985c9d38642d17b738662c9fe052413ce48e88e82cec10be20dffcf83ad,7989c985c9d38642d17b738662c9fe052413ce48e88e82cec10be20dffcf83ad|1507|qbihsazzmhaxxibvymkjtlpotcnpeqinoziltunbsbtxrphoqfveqxrgjcdobzvbmcxdzxqlulyjodctevqbzkjsxgnkcfdenufebcvxjsatqnhjplonclalepcdduxxuqxnhogejlbqmztjurvexmbvyyjkhwblopzhelfo",
        "1c8a255c85421b735cc6d57fd15c51f9409b5249c4485f9eede6c57a67f70e3e,1c8a255c85421b735cc6d57fd15c51f9409b5249c4485f9eede6c57a67f70e3e,1c8a255c85421b735cc6d57fd15c51f9409b5249c4485f9eede6c57a67f70e3e|1645|lfutuzmdwzejunvixufxaxjybdjjozsufpebtbexgntbyljkmvlwlwxexixonnvhqlaptuzqtqejopjstfivxwjqhvqjlorxqwtpulmtixqlapqniqvgeqtiuhgdtzdzehatrriqxziolyqphnqvyojwbsbfvszydlpqpyopchxmbeldcwrrsfwnnjripmlkkdloduhnversngcstivrscpgarnfsdencmfwddhxjyfqlijnklqxlluzpvzub",
        "2ba8d287225cb884d261ea541a9ebf4f2fecb043611582b4ff5637b8e10ee82e,2ba8d287225cb884d261ea541a9ebf4f2fecb043611582b4ff5637b8e10ee82e,2ba8d287225cb884d261ea541a9ebf4f2fecb043611582b4ff5637b8e10ee82e|1469|dgneuzyfmngfzglpqihedjmbfjxpmtdexmfwngezkfjgvgatilxdypbijfhuexxoyifcnwitttlyblmoxettklslxstsrjdknzwfapizmfmfgojitvfudvsvbxnaelzynzkrenpijxoturrknyszvzchbslvhiancythivkzvetueehavlijblpufydipivxvqcelqbqrtjdsfmtnbobklrg",
        "8434e7c1ed36bf5ef62003f34207a254af1b8bf9670c936b10fe555e9bfe8f1c,8434e7c1ed36bf5ef62003f34207a254af1b8bf9670c936b10fe555e9bfe8f1c,8434e7c1ed36bf5ef62003f34207a254af1b8bf9670c936b10fe555e9bfe8f1c|1998|ozzxidleogptjwhselijljdytmpkaxgiobruvifhqfcryxqqhmhitnhcfldowasboqtsxudfejeeruncltxxeabchdtxlkqbohgcfdmbbzsyopplinedchnfhgowfcnupupfipyuxvuuhvalmzmtiphszyrofqqlctqlgbffbtryipwvawjkbpsvwdzifbrqcfhtklsuqlocpbdipzjjmvztvvxgnnsnajhcfwmrdejryxkjadmwvijutlwv",
        "71495270ea6cc54d6e9ec55b58904df8197c667bb27753c540d873da36c29eab,71495270ea6cc54d6e9ec55b58904df8197c667bb27753c540d873da36c29eab,71495270ea6cc54d6e9ec55b58904df8197c667bb27753c540d873da36c29eab|1358|ctopjgdzvbjekhqpdacdhsjisxdjshpjuvixyrdysxnpkxwbdxvanswajcplhynktydqhyjakbgshuzjcldwnshdwxykcphkslgenrojoappqajnhnuxgbifjspxmrsjemefkcvcdgvadrvqnublmnalyzmsvjevzivspaevilfdslnzroabsrqnqflfdwhncoyndfkrxlpkxnns",
        "9ef40e34fc65affc06016d3613b300ec36672fdbce165a778b1d24833d36ba95,9ef40e34fc65affc06016d3613b300ec36672fdbce165a778b1d24833d36ba95,9ef40e34fc65affc06016d3613b300ec36672fdbce165a778b1d24833d36ba95|2299|cflslgtcnflsjwadcftqkrmofnanbswbbihnhatjezmihqtbdkrjntshkfdnpgqgffhwgrgdozujtnibupjshzmzkdzwinslvdyuubbcdaulcizliqbyzsdnixaitqvgjgmnbbqjkxokzgfcjhqotnnsljyjesnjwljchtvdncsurgambsdovdagziluehvmwgjpfrstvuhrfsrnvrzubnlolzmraretnyduyqvizcvtsxngnaazukrbgenulyxlebkgdltv",
        "25972cdf30cec9360c7cd901d7322379efd97bbff42217bab1f919292647dc59,25972cdf30cec9360c7cd901d7322379efd97bbff42217bab1f919292647dc59,25972cdf30cec9360c7cd901d7322379efd97bbff42217bab1f919292647dc59|1693|xzatktdmngpzkobpmlxvmfdnrihhmtjgnpervcdxnypclzypudkntpqwzywgoejcvkdorwxnyvwleabqxhbubrgrzvwvwzhmxtgvdhotlexwtkmjazbcwfwtxvugtrcnktgrixxkvhahslhbgkdsbrbkdztwepazwbrstexrzhuhhdjzsdtawelbzarimbetzyjfaoxydindjdsimpcjsxg",
        "322e8e0f40fccbbade1a29a2d29d0f1e49b4e3342668009436f8b1d3a0b21aac,322e8e0f40fccbbade1a29a2d29d0f1e49b4e3342668009436f8b1d3a0b21aac,322e8e0f40fccbbade1a29a2d29d0f1e49b4e3342668009436f8b1d3a0b21aac|1454|gxovdxopmlfjvmbetqtbqvvgplxaqjnjrrospbghkznkfxmypzmpqzmpvxdhbwzytqtwqxcyjpozbqxfnrxforxahpmrnmhqvygrrwutfcregrucabufpbhhuqjzjusrpcfcdqnwpnphwbexzohfaldmybtuatvtevnczrqfnlbpgmbuvozixhnapzkzqeicqlofatdfafgnpgwzzjgr",
        "4a66b2865a394a3c879ebdadcdc90f9c71c6eaa3f3af31b756bbb28c50ea5840,4a66b2865a394a3c879ebdadcdc90f9c71c6eaa3f3af31b756bbb28c50ea5840,4a66b2865a394a3c879ebdadcdc90f9c71c6eaa3f3af31b756bbb28c50ea5840|1449|pybmxsdejvcbhydevrtkgvcnypiddwofrsnnajethyxcxkknpjchkiotjvyharvbqjcjqhhdmxkvonhpikghdujabvpabxetlyjapjdsbkpzsrganqnutlxkvysrajsbwtevqbltczqnnivqewtfymfhmjsvumfulvzcsbevrsyvqdheglatjompchixrfgifafwdqttjynbfbsfzqtptutyfefz",
        "780277e5e74326a35e44c915ea86af0101c400c4f78e6b60a9434be2d4dd0a2d,780277e5e74326a35e44c915ea86af0101c400c4f78e6b60a9434be2d4dd0a2d,780277e5e74326a35e44c915ea86af0101c400c4f78e6b60a9434be2d4dd0a2d|1192|nuxcrczbgrcidmejnvghcrxjwfkrlrkztzxojydxunlcdbrchihgsjltgfzhegrivsveppdgzdgrsvuhufoxdnpwztgzunozxejsjlwxkvxblqhaesxybuijtdyffldfhhnrdngnhkhyydtipefehjecplwrhnlqirnwjqvmbioezqshejyipmpeftywxdkwxbqdnchpbjgnsxzw",
    ];

    private static string Run(uint seed, int steps)
    {
        uint x = seed;
        int R(int n)
        {
            x = unchecked(x * 1664525u + 1013904223u);
            return (int)(x % (uint)n);
        }
        var docs = new Doc[3];
        for (int k = 0; k < 3; k++) docs[k] = new Doc(new DocOptions { ClientId = (ulong)(k + 1) });
        static void Sync(Doc a, Doc b) => b.ApplyUpdate(a.EncodeStateAsUpdate(b.EncodeStateVector()));
        for (int s = 0; s < steps; s++)
        {
            var d = docs[R(3)];
            var t = d.GetText("t");
            var a = d.GetArray("a");
            var m = d.GetMap("m");
            int act = R(10);
            if (act <= 3)
            {
                int pos = R(t.Length + 1);
                int n = 1 + R(3);
                var chars = new char[n];
                for (int i = 0; i < n; i++) chars[i] = (char)(97 + R(26));
                if (act == 3) t.Insert(pos, new string(chars), new Dictionary<string, object?> { ["bold"] = true });
                else t.Insert(pos, new string(chars));
            }
            else if (act == 4)
            {
                if (t.Length > 0)
                {
                    int pos = R(t.Length);
                    t.Delete(pos, 1 + R(Math.Min(3, t.Length - pos)));
                }
            }
            else if (act == 5)
            {
                if (t.Length > 0)
                {
                    int pos = R(t.Length);
                    int len = 1 + R(Math.Min(4, t.Length - pos));
                    t.Format(pos, len, new Dictionary<string, object?> { ["italic"] = R(2) == 0 ? true : null });
                }
            }
            else if (act == 6)
            {
                int pos = R(a.Length + 1);
                a.Insert(pos, [(long)R(100)]);
            }
            else if (act == 7)
            {
                if (a.Length > 0) a.Delete(R(a.Length), 1);
            }
            else if (act == 8)
            {
                var key = "k" + R(4);
                m.Set(key, (long)R(100));
            }
            else
            {
                int i = R(3), j = R(3);
                if (i != j) Sync(docs[i], docs[j]);
            }
        }
        foreach (var a in docs)
            foreach (var b in docs)
                if (a != b) Sync(a, b);
        var shas = string.Join(",", docs.Select(doc => Convert.ToHexStringLower(SHA256.HashData(doc.EncodeStateAsUpdate()))));
        var delta = docs[0].GetText("t").ToDelta().Select(o =>
        {
            var dict = new Dictionary<string, object?> { ["insert"] = o.Insert };
            if (o.Attributes is not null) dict["attributes"] = o.Attributes;
            return (object?)dict;
        }).ToList();
        return shas + "|" + JsJson.Stringify(delta)!.Length + "|" + docs[0].GetText("t").ToString();
    }

    [Fact]
    public void Random_concurrent_editing_converges_to_yjs_bytes()
    {
        for (int i = 0; i < Expected.Length; i++)
        {
            Assert.Equal(Expected[i], Run((uint)(i + 1), 400));
        }
    }
}
