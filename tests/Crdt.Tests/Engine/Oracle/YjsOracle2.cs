// Generated from scenarios2.mjs (beside this file) run with yjs 13.6.33 in node outside the repository.
namespace Spotter.Collab.Crdt.Tests.Engine;

internal static class YjsOracle2
{
    internal const string SnapS1 = "00010b0b";
    internal const string SnapS1v2 = "00010b0b";
    internal const string SnapS2 = "010b010006010b11";
    internal const string SnapDelta1 = "[{\"insert\":\"hello world\"}]";
    internal const string SnapDelta21 = "[{\"insert\":\"hello \",\"attributes\":{\"ychange\":{\"type\":\"removed\"}}},{\"insert\":\"HEY\",\"attributes\":{\"ychange\":{\"type\":\"added\"},\"bold\":true}},{\"insert\":\" \",\"attributes\":{\"ychange\":{\"type\":\"added\"}}},{\"insert\":\"world\"}]";
    internal const string SnapRestored = "hello world";
    internal const string SnapEqual = "truefalse";
    internal const string SnapDoc = "01060b00040101740668656c6c6f20840b0505776f726c64c40b050b0603484559c40b0d0b060120c60b050b0b04626f6c640474727565c60b0d0b0e04626f6c64046e756c6c010b010006";
    internal static readonly string[] RelEnc = ["000c0300", "000c0241", "01017400", "000c0800", "020c0600", "01017441"];
    internal const string RelIdx = "6,5,9,0,2,0";
    internal const string SubdocV1 = "01020d002901016d03737562057375622d317602086175746f4c6f616478046d657461760101617d0109010161057375622d3276010267637900";
    internal const string SubdocV2 = "0000010d000003290009150f6d7375627375622d31617375622d320103050105010100000102007602086175746f4c6f616478046d657461760101617d0176010267637900";
}
