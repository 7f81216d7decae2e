//! Whole-model passes once every schema and operation is lowered: recursive aliases become
//! newtypes, enums reachable from answers are opened, identical inline types are merged
//! (`merge.rs`), fields that close a cycle are boxed, union variants holding structs or unions
//! are boxed, and types are put in emission order (which is also the order of their
//! [`TypeId`]s in [`crate::model::Api::types`]).

use std::collections::BTreeSet;

use super::Result;
use super::merge::{Merged, merge_identical};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{
    ObjectFields, Operation, OperationKind, ParamShape, ResponseBody, SegmentPart, TypeDef, TypeId,
    TypeKind, TypeRef,
};

/// Runs the passes over `types` (indexed by id) and returns them in emission `order`, with every
/// reference (in types and operations) renumbered to match, and the types merged into others
/// (see `merge.rs`; `components` are never merged; a group takes the name in `given`, the names
/// the name map gave, one of its members has; a merged-away type named in `published`, the names
/// the name map holds, stays as an alias).
pub(super) fn run(
    mut types: Vec<TypeDef>,
    order: &[TypeId],
    operations: &mut [Operation],
    components: &BTreeSet<TypeId>,
    given: &BTreeSet<String>,
    published: &BTreeSet<String>,
) -> Result<(Vec<TypeDef>, Vec<Merged>)> {
    newtype_recursive_aliases(&mut types);
    open_response_enums(&mut types, operations);
    let mut order = order.to_vec();
    let merged = merge_identical(
        &mut types, &mut order, operations, components, given, published,
    );
    box_recursive_fields(&mut types);
    box_union_variants(&mut types);
    Ok((into_emission_order(types, &order, operations)?, merged))
}

/// Rust type aliases cannot refer to themselves (`type Tree = Vec<Tree>`): such an alias becomes
/// a transparent newtype struct instead.
fn newtype_recursive_aliases(types: &mut [TypeDef]) {
    let recursive: Vec<usize> = (0..types.len())
        .filter(|&i| {
            let TypeKind::Alias(ty) = &types[i].kind else {
                return false;
            };
            let mut stack = named_in(ty);
            let mut seen = BTreeSet::new();
            while let Some(id) = stack.pop() {
                if id.0 == i {
                    return true;
                }
                if seen.insert(id)
                    && let TypeKind::Alias(next) = &types[id.0].kind
                {
                    stack.extend(named_in(next));
                }
            }
            false
        })
        .collect();
    for i in recursive {
        if let TypeKind::Alias(ty) = &types[i].kind {
            types[i].kind = TypeKind::Newtype(ty.clone());
        }
    }
}

/// Boxes struct fields whose type leads back to the struct itself without passing through a
/// `Vec` or map (which already allocate), so recursive schemas compile.
fn box_recursive_fields(types: &mut [TypeDef]) {
    let direct: Vec<Vec<TypeId>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Struct { fields } => fields.iter().filter_map(|f| direct_id(&f.ty)).collect(),
            TypeKind::Alias(ty) | TypeKind::Newtype(ty) => direct_id(ty).into_iter().collect(),
            TypeKind::Union { variants, .. } => {
                variants.iter().filter_map(|v| direct_id(&v.ty)).collect()
            }
            TypeKind::StringEnum { .. } => Vec::new(),
        })
        .collect();
    let reaches = |from: TypeId, to: TypeId| {
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                stack.extend(direct[n.0].iter().copied());
            }
        }
        false
    };
    for (i, t) in types.iter_mut().enumerate() {
        if let TypeKind::Struct { fields } = &mut t.kind {
            for f in fields.iter_mut() {
                if let Some(target) = direct_id(&f.ty)
                    && reaches(target, TypeId(i))
                {
                    f.ty = TypeRef::Boxed(Box::new(f.ty.clone()));
                }
            }
        }
    }
}

/// String enums reachable from a response become open: an answer with a value the document
/// does not list (yet) still decodes.
fn open_response_enums(types: &mut [TypeDef], operations: &[Operation]) {
    let mut stack: Vec<TypeId> = Vec::new();
    for op in operations {
        if let OperationKind::Call { success, error } = &op.kind {
            if let ResponseBody::Json(ty) | ResponseBody::OptionalJson(ty) = success {
                stack.extend(named_in(ty));
            }
            stack.extend(named_in(error));
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        match &mut types[id.0].kind {
            TypeKind::StringEnum { open, .. } => *open = true,
            TypeKind::Struct { fields } => {
                fields.iter().for_each(|f| stack.extend(named_in(&f.ty)))
            }
            TypeKind::Alias(ty) | TypeKind::Newtype(ty) => stack.extend(named_in(ty)),
            TypeKind::Union { variants, .. } => {
                variants.iter().for_each(|v| stack.extend(named_in(&v.ty)))
            }
        }
    }
}

/// A union variant holding a named type (a struct or another union, which can be large) is
/// boxed, so the enum stays small.
fn box_union_variants(types: &mut [TypeDef]) {
    for t in types.iter_mut() {
        if let TypeKind::Union { variants, .. } = &mut t.kind {
            for v in variants.iter_mut() {
                if matches!(v.ty, TypeRef::Named(_)) {
                    v.ty = TypeRef::Boxed(Box::new(v.ty.clone()));
                }
            }
        }
    }
}

/// Reorders `types` into emission order and renumbers every reference.
fn into_emission_order(
    types: Vec<TypeDef>,
    order: &[TypeId],
    operations: &mut [Operation],
) -> Result<Vec<TypeDef>> {
    let mut new_id: Vec<Option<TypeId>> = vec![None; types.len()];
    for (position, id) in order.iter().enumerate() {
        new_id[id.0] = Some(TypeId(position));
    }
    let mut slots: Vec<Option<TypeDef>> = types.into_iter().map(Some).collect();
    let mut ordered: Vec<TypeDef> = order.iter().filter_map(|id| slots[id.0].take()).collect();
    let mut dangling = None;
    let mut renumber = |t: &mut TypeRef| {
        if let TypeRef::Named(id) = t {
            match new_id[id.0] {
                Some(new) => *id = new,
                None => dangling = Some(*id),
            }
        }
    };
    for def in &mut ordered {
        for_each_ref_in_type(&mut def.kind, &mut renumber);
    }
    for op in operations.iter_mut() {
        for_each_ref_in_operation(op, &mut renumber);
    }
    match dangling {
        None => Ok(ordered),
        Some(id) => Err(SpecError::new(
            Pointer::root(),
            ErrorKind::Internal(format!("type {id:?} is referred to but never defined")),
        )),
    }
}

/// Calls `f` on every `Named` reference inside a type definition.
pub(super) fn for_each_ref_in_type(kind: &mut TypeKind, f: &mut impl FnMut(&mut TypeRef)) {
    match kind {
        TypeKind::Struct { fields } => fields.iter_mut().for_each(|x| walk(&mut x.ty, f)),
        TypeKind::Alias(ty) | TypeKind::Newtype(ty) => walk(ty, f),
        TypeKind::Union { variants, .. } => variants.iter_mut().for_each(|v| walk(&mut v.ty, f)),
        TypeKind::StringEnum { .. } => {}
    }
}

/// Calls `f` on every `Named` reference an operation holds.
pub(super) fn for_each_ref_in_operation(op: &mut Operation, f: &mut impl FnMut(&mut TypeRef)) {
    for segment in &mut op.segments {
        for part in segment.iter_mut() {
            if let SegmentPart::Param { shape, .. } = part {
                walk_shape(shape, f);
            }
        }
    }
    op.params
        .iter_mut()
        .for_each(|p| walk_shape(&mut p.shape, f));
    if let Some(body) = &mut op.body {
        walk(&mut body.ty, f);
    }
    if let OperationKind::Call { success, error } = &mut op.kind {
        if let ResponseBody::Json(ty) | ResponseBody::OptionalJson(ty) = success {
            walk(ty, f);
        }
        walk(error, f);
    }
}

fn walk_shape(shape: &mut ParamShape, f: &mut impl FnMut(&mut TypeRef)) {
    match shape {
        ParamShape::Scalar(ty) => walk(ty, f),
        ParamShape::Array { item, .. } => walk(item, f),
        ParamShape::Object { ty, fields, .. } => {
            walk(ty, f);
            match fields {
                ObjectFields::Map(value) => walk(value, f),
                ObjectFields::Struct(fields) => fields.iter_mut().for_each(|x| walk(&mut x.ty, f)),
            }
        }
    }
}

fn walk(ty: &mut TypeRef, f: &mut impl FnMut(&mut TypeRef)) {
    match ty {
        TypeRef::Named(_) => f(ty),
        TypeRef::Array(inner)
        | TypeRef::OneOrMany(inner)
        | TypeRef::Map(inner)
        | TypeRef::Boxed(inner) => walk(inner, f),
        _ => {}
    }
}

/// The named types a reference mentions (through `Vec`, maps and boxes).
fn named_in(ty: &TypeRef) -> Vec<TypeId> {
    match ty {
        TypeRef::Named(id) => vec![*id],
        TypeRef::Array(inner)
        | TypeRef::OneOrMany(inner)
        | TypeRef::Map(inner)
        | TypeRef::Boxed(inner) => named_in(inner),
        _ => Vec::new(),
    }
}

/// The named type a field holds directly (not through a `Vec`, map or box).
fn direct_id(ty: &TypeRef) -> Option<TypeId> {
    match ty {
        TypeRef::Named(id) => Some(*id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, FieldKind};

    fn def(name: &str, kind: TypeKind) -> TypeDef {
        TypeDef {
            name: name.into(),
            pointer: String::new(),
            doc: String::new(),
            deprecated: false,
            kind,
        }
    }

    fn field(ty: TypeRef) -> Field {
        Field {
            rust_name: "f".into(),
            doc: String::new(),
            ty,
            kind: FieldKind::Required {
                wire_name: "f".into(),
                nullable: false,
            },
            deprecated: false,
        }
    }

    #[test]
    fn a_self_referencing_alias_becomes_a_newtype() {
        let mut types = vec![def(
            "Tree",
            TypeKind::Alias(TypeRef::Array(Box::new(TypeRef::Named(TypeId(0))))),
        )];
        newtype_recursive_aliases(&mut types);
        assert!(matches!(types[0].kind, TypeKind::Newtype(_)));
    }

    #[test]
    fn only_the_field_that_closes_a_cycle_is_boxed() {
        let node = TypeKind::Struct {
            fields: vec![
                field(TypeRef::Named(TypeId(0))),
                field(TypeRef::Array(Box::new(TypeRef::Named(TypeId(0))))),
            ],
        };
        let mut types = vec![def("Node", node)];
        box_recursive_fields(&mut types);
        let TypeKind::Struct { fields } = &types[0].kind else {
            unreachable!()
        };
        assert!(matches!(fields[0].ty, TypeRef::Boxed(_)));
        assert!(matches!(fields[1].ty, TypeRef::Array(_)));
    }

    #[test]
    fn emission_order_renumbers_references() {
        let types = vec![
            def("B", TypeKind::Alias(TypeRef::Named(TypeId(1)))),
            def("A", TypeKind::Struct { fields: vec![] }),
        ];
        let ordered = into_emission_order(types, &[TypeId(1), TypeId(0)], &mut []).expect("ok");
        assert_eq!(ordered[0].name, "A");
        assert_eq!(ordered[1].kind, TypeKind::Alias(TypeRef::Named(TypeId(0))));
    }
}
