//! Identical inline types share one type: inline objects, string enums and unions that are the
//! same shape (the same fields with the same Rust names, types, wire names, required set and
//! setters; the same values; the same variants and tag; deprecation included, documentation
//! aside) are generated once.
//!
//! A large document repeats the same inline schema in many places (GitHub's webhooks give every
//! payload its own copy of `installation`, `sender`, `repository`...), and a type per copy is
//! code rustc checks and a reader wades through for nothing. Component schemas are never merged:
//! the document named each.
//!
//! Which type stands for a group: the first in emission order, with its documentation; its name
//! is the one the name map gave a member, if any, else its own. Another member whose name the map
//! pinned (a name already published) stays, as an alias of it, so no caller breaks. The name map
//! pins the group by that type's pointer (see `pinning.rs`), so that a document that gains one
//! more copy (a new payload) renames nothing: the group keeps its pinned name. Types of union
//! variants (whose variant names come from them) and schemas lowered into several types stay
//! apart.
//!
//! Shapes are compared with their references resolved to their group, repeated until nothing
//! changes, so two objects whose fields hold identical (merged) inline objects merge too. A
//! cycle of inline types is merged only with a cycle already found identical, which is never:
//! that is conservative, not wrong.

use std::collections::{BTreeSet, HashMap};

use super::fixups::{for_each_ref_in_operation, for_each_ref_in_type};
use crate::model::{Operation, TypeDef, TypeId, TypeKind, TypeRef};

/// A merged-away type: the pointer of its schema and the name of the type it merged into.
pub(crate) type Merged = (String, String);

/// Merges the identical inline types among `order` (every type not in `components`), rewrites
/// every reference to a merged-away type (in types and operations) and drops it from `order`.
/// The first of a group in emission order stands for it (its docs and pointer); the group takes
/// the name in `given` (the names the name map gave) one of its members has: a group's pin
/// goes to the first of its schemas lowered, which need not be the first emitted. Returns the
/// merged-away types' pointers with the name of the type each merged into, in emission order.
/// A merged-away type named in `published` (every type name the name map holds) becomes an alias
/// of its group's type instead, and stays.
pub(super) fn merge_identical(
    types: &mut [TypeDef],
    order: &mut Vec<TypeId>,
    operations: &mut [Operation],
    components: &BTreeSet<TypeId>,
    given: &BTreeSet<String>,
    published: &BTreeSet<String>,
) -> Vec<Merged> {
    // A union's variants are named after their types when lowered: a variant type keeps its
    // own type, so that name does not depend on which copy took a pin.
    let variant_types: BTreeSet<TypeId> = types
        .iter()
        .flat_map(|t| match &t.kind {
            TypeKind::Union { variants, .. } => variants
                .iter()
                .filter_map(|v| match &v.ty {
                    TypeRef::Named(id) => Some(*id),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    // A schema lowered into several types (recursion through `$ref`s, a path-level parameter)
    // is named by the order it is reached in, not by its pointer alone: such types stay apart.
    let mut lowered_at: HashMap<&str, usize> = HashMap::new();
    for id in order.iter() {
        *lowered_at.entry(types[id.0].pointer.as_str()).or_default() += 1;
    }
    let candidates: Vec<TypeId> = order
        .iter()
        .copied()
        .filter(|id| {
            !components.contains(id)
                && !variant_types.contains(id)
                && lowered_at[types[id.0].pointer.as_str()] == 1
                && mergeable(&types[id.0].kind)
        })
        .collect();
    let mut group: Vec<usize> = (0..types.len()).collect();
    loop {
        let mut first: HashMap<String, usize> = HashMap::new();
        let mut changed = false;
        for &id in &candidates {
            let key = shape_key(&types[id.0], &group);
            let rep = *first.entry(key).or_insert(id.0);
            if group[id.0] != rep {
                group[id.0] = rep;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    if group.iter().enumerate().all(|(i, &g)| i == g) {
        return Vec::new();
    }
    // The group's type takes the name the map gave one of its members.
    for &id in &candidates {
        let rep = group[id.0];
        if rep != id.0 && given.contains(&types[id.0].name) && !given.contains(&types[rep].name) {
            types[rep].name = types[id.0].name.clone();
        }
    }
    let mut resolve = |t: &mut TypeRef| {
        if let TypeRef::Named(id) = t {
            *id = TypeId(group[id.0]);
        }
    };
    for def in types.iter_mut() {
        for_each_ref_in_type(&mut def.kind, &mut resolve);
    }
    for op in operations.iter_mut() {
        for_each_ref_in_operation(op, &mut resolve);
    }
    // A merged-away type whose name the name map holds (`published`: it was generated before)
    // stays, as another name for its group's type, so code that names it still compiles.
    for &id in order.iter() {
        let rep = group[id.0];
        if rep != id.0
            && published.contains(&types[id.0].name)
            && types[id.0].name != types[rep].name
        {
            let (name, rep_name) = (types[id.0].name.clone(), types[rep].name.clone());
            let def = &mut types[id.0];
            def.doc = format!(
                "Another name for [`{rep_name}`], the same shape: `{name}` was a type of its \
                 own before identical inline schemas shared one type, and stays so that code \
                 naming it compiles."
            );
            def.kind = TypeKind::Alias(TypeRef::Named(TypeId(rep)));
            group[id.0] = id.0;
        }
    }
    let merged = order
        .iter()
        .filter(|id| group[id.0] != id.0)
        .map(|id| {
            let rep = &types[group[id.0]];
            (types[id.0].pointer.clone(), rep.name.clone())
        })
        .collect();
    order.retain(|id| group[id.0] == id.0);
    merged
}

/// The kinds of types that merge: objects, string enums and unions (aliases and newtypes are
/// names for other types, not shapes of their own).
fn mergeable(kind: &TypeKind) -> bool {
    matches!(
        kind,
        TypeKind::Struct { .. } | TypeKind::StringEnum { .. } | TypeKind::Union { .. }
    )
}

/// What a type accepts and generates, documentation aside, with every reference replaced by its
/// group's representative: two types with the same key generate the same code but for their
/// name and docs.
fn shape_key(def: &TypeDef, group: &[usize]) -> String {
    let mut kind = def.kind.clone();
    match &mut kind {
        TypeKind::Struct { fields } => fields.iter_mut().for_each(|f| f.doc.clear()),
        TypeKind::Union { variants, .. } => variants.iter_mut().for_each(|v| v.doc.clear()),
        TypeKind::StringEnum { .. } | TypeKind::Alias(_) | TypeKind::Newtype(_) => {}
    }
    for_each_ref_in_type(&mut kind, &mut |t| {
        if let TypeRef::Named(id) = t {
            *id = TypeId(group[id.0]);
        }
    });
    format!("{}{kind:?}", def.deprecated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, FieldKind, Variant};

    fn def(name: &str, pointer: &str, kind: TypeKind) -> TypeDef {
        TypeDef {
            name: name.into(),
            pointer: pointer.into(),
            doc: format!("The {name}."),
            deprecated: false,
            kind,
        }
    }

    fn field(name: &str, ty: TypeRef, doc: &str) -> Field {
        Field {
            rust_name: name.into(),
            doc: doc.into(),
            ty,
            kind: FieldKind::Required {
                wire_name: name.into(),
                nullable: false,
            },
            deprecated: false,
        }
    }

    fn object(fields: Vec<Field>) -> TypeKind {
        TypeKind::Struct { fields }
    }

    fn run(
        types: &mut [TypeDef],
        components: &[usize],
        pinned: &[&str],
    ) -> (Vec<TypeId>, Vec<Merged>) {
        let mut order: Vec<TypeId> = (0..types.len()).map(TypeId).collect();
        let components = components.iter().map(|&i| TypeId(i)).collect();
        let given: BTreeSet<String> = pinned.iter().map(|s| (*s).to_owned()).collect();
        let merged = merge_identical(types, &mut order, &mut [], &components, &given, &given);
        (order, merged)
    }

    #[test]
    fn identical_objects_merge_docs_aside_and_parents_follow() {
        let named = |i| TypeRef::Named(TypeId(i));
        let mut types = vec![
            def("A", "#/a", object(vec![field("x", named(1), "an x")])),
            def(
                "AUser",
                "#/a/x",
                object(vec![field("id", TypeRef::I64, "id")]),
            ),
            def("B", "#/b", object(vec![field("x", named(3), "other doc")])),
            def(
                "BUser",
                "#/b/x",
                object(vec![field("id", TypeRef::I64, "")]),
            ),
            // Same shape but a component: never merged.
            def(
                "User",
                "#/components/schemas/User",
                object(vec![field("id", TypeRef::I64, "")]),
            ),
        ];
        let (order, merged) = run(&mut types, &[4], &[]);
        assert_eq!(order, vec![TypeId(0), TypeId(1), TypeId(4)]);
        assert_eq!(
            merged,
            vec![("#/b".into(), "A".into()), ("#/b/x".into(), "AUser".into())]
        );
        // The survivor's field docs stay its own.
        let TypeKind::Struct { fields } = &types[0].kind else {
            unreachable!()
        };
        assert_eq!(fields[0].doc, "an x");
    }

    #[test]
    fn a_group_keeps_the_name_the_map_gave_a_member() {
        let mut types = vec![
            def("New", "#/new", object(vec![field("id", TypeRef::I64, "")])),
            def("Old", "#/old", object(vec![field("id", TypeRef::I64, "")])),
            def("Other", "#/o", object(vec![field("id", TypeRef::Bool, "")])),
        ];
        let (order, merged) = run(&mut types, &[], &["Old"]);
        assert_eq!(order, vec![TypeId(0), TypeId(2)]);
        assert_eq!(types[0].name, "Old");
        assert_eq!(merged, vec![("#/old".into(), "Old".into())]);
    }

    #[test]
    fn the_group_takes_the_name_the_map_gave_whichever_member_has_it() {
        // Both schemas are pinned (to one name); the second lowered got a fresh name.
        let mut types = vec![
            def("Fresh", "#/a", object(vec![field("id", TypeRef::I64, "")])),
            def("Pinned", "#/b", object(vec![field("id", TypeRef::I64, "")])),
        ];
        let mut order = vec![TypeId(0), TypeId(1)];
        let given = ["Pinned".to_owned()].into_iter().collect();
        let merged = merge_identical(
            &mut types,
            &mut order,
            &mut [],
            &BTreeSet::new(),
            &given,
            &given,
        );
        assert_eq!(order, vec![TypeId(0)]);
        assert_eq!(types[0].name, "Pinned");
        assert_eq!(types[0].pointer, "#/a");
        assert_eq!(merged, vec![("#/b".into(), "Pinned".into())]);
    }

    #[test]
    fn different_wire_names_requiredness_values_or_deprecation_do_not_merge() {
        let enum_of = |values: &[&str], open: bool| TypeKind::StringEnum {
            variants: values
                .iter()
                .map(|v| Variant {
                    rust_name: naming_camel(v),
                    wire_value: (*v).into(),
                })
                .collect(),
            open,
        };
        let mut optional = field("id", TypeRef::I64, "");
        optional.kind = FieldKind::Optional {
            wire_name: "id".into(),
            setter: "with_id".into(),
        };
        let mut renamed = field("id", TypeRef::I64, "");
        renamed.kind = FieldKind::Required {
            wire_name: "ID".into(),
            nullable: false,
        };
        let mut deprecated = def("D", "#/d", object(vec![field("id", TypeRef::I64, "")]));
        deprecated.deprecated = true;
        let mut types = vec![
            def("A", "#/a", object(vec![field("id", TypeRef::I64, "")])),
            def("B", "#/b", object(vec![optional])),
            def("C", "#/c", object(vec![renamed])),
            deprecated,
            def("E", "#/e", enum_of(&["x", "y"], false)),
            def("F", "#/f", enum_of(&["x", "y"], true)),
            def("G", "#/g", enum_of(&["x", "z"], false)),
            def("H", "#/h", enum_of(&["x", "y"], false)),
        ];
        let (order, merged) = run(&mut types, &[], &[]);
        assert_eq!(merged, vec![("#/h".into(), "E".into())]);
        assert_eq!(order.len(), 7);
    }

    fn naming_camel(v: &str) -> String {
        crate::naming::camel(v)
    }

    #[test]
    fn references_in_types_are_rewritten_and_nothing_dangles() {
        let named = |i| TypeRef::Named(TypeId(i));
        let mut types = vec![
            def("A", "#/a", object(vec![field("id", TypeRef::I64, "")])),
            def("B", "#/b", object(vec![field("id", TypeRef::I64, "")])),
            def(
                "List",
                "#/l",
                TypeKind::Alias(TypeRef::Array(Box::new(named(1)))),
            ),
        ];
        let (_, merged) = run(&mut types, &[], &[]);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            types[2].kind,
            TypeKind::Alias(TypeRef::Array(Box::new(named(0))))
        );
    }

    #[test]
    fn a_copy_whose_name_was_pinned_stays_as_an_alias_of_its_group() {
        let int = || TypeRef::I64;
        let mut types = vec![
            def("First", "#/a", object(vec![field("x", int(), "an x")])),
            def("Second", "#/b", object(vec![field("x", int(), "an x")])),
            def("Third", "#/c", object(vec![field("x", int(), "an x")])),
        ];
        // `First` and `Second` were published (pinned); `Third` is a new copy.
        let (order, merged) = run(&mut types, &[], &["First", "Second"]);
        assert_eq!(order, [TypeId(0), TypeId(1)]);
        assert_eq!(types[1].name, "Second");
        assert_eq!(types[1].kind, TypeKind::Alias(TypeRef::Named(TypeId(0))));
        assert!(types[1].doc.contains("[`First`]"), "{}", types[1].doc);
        assert_eq!(merged, [("#/c".to_owned(), "First".to_owned())]);
    }
}
