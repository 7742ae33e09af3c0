//! Fixtures shared by the facade's report tests.

use std::collections::BTreeSet;

use crm::id::{DepartmentId, TeamId, UserId};
use crm::model::{Department, Team, User};
use crm::value::PersonName;
use crm::{Actor, Crm};

/// A small sales organisation: 华东大区 above 上海; 张伟 in 上海, 李娜 in 华东大区, 王芳 in
/// no department; team 大客户组 of 张伟 and 王芳.
#[allow(dead_code)] // each test binary reads the members it needs
pub struct SmallOrg {
    pub east: DepartmentId,
    pub shanghai: DepartmentId,
    pub zhang: UserId,
    pub li: UserId,
    pub wang: UserId,
    pub team: TeamId,
}

/// Store [`SmallOrg`] through `crm` as `actor`.
pub async fn small_org(crm: &Crm, actor: &Actor) -> SmallOrg {
    let department = |name: &str, parent| Department {
        name: name.into(),
        parent,
    };
    let east = crm
        .departments()
        .create(actor, department("华东大区", None))
        .await
        .unwrap()
        .id;
    let shanghai = crm
        .departments()
        .create(actor, department("上海", Some(east)))
        .await
        .unwrap()
        .id;
    let user = |name: &str, department| {
        let mut u = User::new(PersonName::parse(name).unwrap());
        u.department_id = department;
        u
    };
    let mut ids = Vec::new();
    for (name, department) in [
        ("张伟", Some(shanghai)),
        ("李娜", Some(east)),
        ("王芳", None),
    ] {
        ids.push(
            crm.users()
                .create(actor, user(name, department))
                .await
                .unwrap()
                .id,
        );
    }
    let (zhang, li, wang) = (ids[0], ids[1], ids[2]);
    let team = Team {
        name: "大客户组".into(),
        leader: None,
        members: BTreeSet::from([zhang, wang]),
    };
    let team = crm.teams().create(actor, team).await.unwrap().id;
    SmallOrg {
        east,
        shanghai,
        zhang,
        li,
        wang,
        team,
    }
}
