using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.WebHost.Api;

/// <summary>
/// Corrections that make the OpenAPI document say what the server sends (web/openapi.json, from which the web
/// client's types are generated).
/// </summary>
public static class ApiSchemas
{
    public static OpenApiOptions DescribeTheWire(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddSchemaTransformer(async (schema, context, cancellationToken) =>
        {
            // Numbers are read leniently ("5" is accepted for 5) but always written as numbers.
            if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
            {
                schema.Type = type & ~JsonSchemaType.String;
                schema.Pattern = null;
            }
            // A request may leave out what it may send as null (the server binds a missing property as null); the
            // generated schema would list every constructor parameter as required.
            if (context.JsonTypeInfo.Type.Name.EndsWith("Request", StringComparison.Ordinal) && schema.Required is { Count: > 0 } required)
            {
                foreach (var property in context.JsonTypeInfo.Properties)
                {
                    if (property.AssociatedParameter is { IsNullable: true } or { HasDefaultValue: true } || (property.AssociatedParameter is null && property.IsSetNullable))
                    {
                        required.Remove(property.Name);
                    }
                }
            }
            // A property left out when null (JsonIgnoreCondition.WhenWritingNull) is missing, not null, on the wire.
            if (schema.Required is { Count: > 0 } sometimesMissing)
            {
                foreach (var property in context.JsonTypeInfo.Properties)
                {
                    if (property.ShouldSerialize is not null) sometimesMissing.Remove(property.Name);
                }
            }
            // The explanation's source is a grant source, or "administrator".
            if (context.JsonTypeInfo.Type == typeof(ExplanationResponse) && schema.Properties is { } properties)
            {
                var grantSource = await context.GetOrCreateSchemaAsync(typeof(GrantSource), null, cancellationToken);
                properties["source"] = new OpenApiSchema
                {
                    OneOf = [new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(ExplanationResponse.Administrator)] }, grantSource],
                };
            }
        });
        return options;
    }
}
